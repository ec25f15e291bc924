import type { Transporter } from 'nodemailer';
import { z } from 'zod';
import { CodedError } from '../domain/errors';
import { isLoopbackHost } from '../endpoints/rules';
import { problemsFrom } from './input';
import { REPORT_LIMITS } from './limits';
import type { ReportMessage, ReportTransport, TransportReceipt } from './transport';

/** `admin@contoso.com` or `Migration <admin@contoso.com>`. */
const FROM = /^(?:[^<>\r\n]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/;

export const smtpConfigSchema = z.object({
  host: z.string().min(1, 'must name the SMTP server'),
  port: z.number().int().min(1).max(65535),
  /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it (587, 25). */
  secure: z.boolean(),
  auth: z.object({ user: z.string().min(1), pass: z.string().min(1) }).optional(),
  from: z
    .string()
    .regex(FROM, 'must be an address, e.g. "migration@contoso.com" or "Migration <migration@contoso.com>"'),
  /**
   * Refuse to send unless STARTTLS succeeds. Always on for a relay that is not on this machine:
   * the login and the report (addresses, mailbox names) must not cross a network in clear text.
   */
  requireTls: z.boolean().default(false),
});

/**
 * How the connection is secured: TLS from the first byte (`secure`), or STARTTLS that must succeed,
 * except for a relay on this machine (127.0.0.1, localhost), which may be plain. Certificates are
 * always verified.
 */
export function smtpTlsPolicy(
  config: Pick<z.output<typeof smtpConfigSchema>, 'host' | 'secure' | 'requireTls'>,
): {
  secure: boolean;
  requireTLS: boolean;
} {
  if (config.secure) return { secure: true, requireTLS: false };
  return { secure: false, requireTLS: config.requireTls || !isLoopbackHost(config.host) };
}
export type SmtpConfig = z.input<typeof smtpConfigSchema>;

/** Errors from nodemailer carry these; we keep them, nothing else (never the command or its data). */
interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
}

/** A server reply may quote what it was sent; make sure the password is never among it. */
function redact(text: string, secret: string | undefined): string {
  if (!secret) return text;
  const forms = [secret, Buffer.from(secret).toString('base64')];
  return forms.reduce((t, f) => t.split(f).join('***'), text);
}

function smtpFailure(err: unknown, config: z.output<typeof smtpConfigSchema>): CodedError {
  const e = (err ?? {}) as NodemailerError;
  const reason = redact(String(e.message ?? err), config.auth?.pass);
  const hint =
    e.code === 'EAUTH'
      ? 'check the SMTP user name and password'
      : e.code === 'ECONNECTION' || e.code === 'ETIMEDOUT' || e.code === 'ESOCKET' || e.code === 'EDNS'
        ? `check that ${config.host}:${config.port} is reachable and the secure setting matches the port`
        : 'check the SMTP settings and the recipients';
  return new CodedError(
    'REPORT_SMTP_FAILED',
    `SMTP delivery via ${config.host}:${config.port} failed: ${reason}; ${hint}.`,
    {
      smtpCode: e.code ?? null,
      responseCode: e.responseCode ?? null,
    },
  );
}

function addresses(list: readonly (string | { address: string })[] | undefined): string[] {
  return (list ?? []).map((a) => (typeof a === 'string' ? a : a.address));
}

/**
 * A report transport over SMTP (nodemailer). The configuration is validated here: bad settings throw
 * CodedError `REPORT_INVALID_SMTP_CONFIG` naming the field, never echoing the password.
 */
export function smtpTransport(input: SmtpConfig): ReportTransport {
  const parsed = smtpConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = problemsFrom(parsed.error, 'REPORT_INVALID_SMTP_FIELD');
    throw new CodedError(
      'REPORT_INVALID_SMTP_CONFIG',
      `The SMTP settings are not valid: ${problems.map((p) => p.message).join('; ')}.`,
      { problems },
    );
  }
  const config = parsed.data;
  // nodemailer is loaded by the first report sent: most runs send none.
  let mailer: Promise<Transporter> | undefined;
  const transport = (): Promise<Transporter> =>
    (mailer ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(options)));
  const options = {
    host: config.host,
    port: config.port,
    ...smtpTlsPolicy(config),
    auth: config.auth,
    connectionTimeout: REPORT_LIMITS.smtpTimeoutMs,
    greetingTimeout: REPORT_LIMITS.smtpTimeoutMs,
    socketTimeout: REPORT_LIMITS.smtpTimeoutMs,
    // nodemailer's logger would print the SMTP dialogue (and with it the AUTH exchange): keep it off.
    logger: false,
    debug: false,
  };
  return {
    name: 'smtp',
    async send(message: ReportMessage): Promise<TransportReceipt> {
      try {
        const info = await (
          await transport()
        ).sendMail({
          from: config.from,
          to: message.to,
          subject: message.subject,
          html: message.html,
          text: message.text,
          attachments: message.attachments.map((a) => ({
            filename: a.name,
            content: a.content,
            contentType: a.contentType,
          })),
        });
        return {
          messageId: info.messageId,
          accepted: addresses(info.accepted),
          rejected: addresses(info.rejected),
        };
      } catch (err) {
        throw smtpFailure(err, config);
      }
    },
  };
}
