import type { Problems } from './problems';
import { DEFAULT_LOCAL_DASHBOARD_URL, type RawSettings } from './schema';
import type { Hosting, M365Settings, SmtpSettings } from './types';

/** How reports are sent: the SMTP relay, and the dashboard URL report mails link to. */
export function resolveSmtp(raw: RawSettings, problems: Problems): SmtpSettings | undefined {
  if ((raw.SMTP_USER === undefined) !== (raw.SMTP_PASSWORD === undefined)) {
    const missing = raw.SMTP_USER === undefined ? 'SMTP_USER' : 'SMTP_PASSWORD';
    if (!problems.has(missing))
      problems.missing(missing, 'the SMTP login needs both the user and the password.');
  }
  if (!raw.SMTP_HOST) {
    if (raw.SMTP_USER !== undefined && !problems.has('SMTP_HOST')) {
      problems.missing('SMTP_HOST', 'SMTP_USER is set, so reports are meant to go through an SMTP relay.');
    }
    return undefined;
  }
  return {
    host: raw.SMTP_HOST,
    port: raw.SMTP_PORT,
    secure: raw.SMTP_SECURE ?? raw.SMTP_PORT === 465,
    auth: raw.SMTP_USER && raw.SMTP_PASSWORD ? { user: raw.SMTP_USER, pass: raw.SMTP_PASSWORD } : undefined,
  };
}

export function resolveDashboardUrl(raw: RawSettings, hosting: Hosting, problems: Problems): string {
  const url =
    raw.MAILFERRY_DASHBOARD_URL ??
    (hosting === 'local'
      ? DEFAULT_LOCAL_DASHBOARD_URL
      : raw.WEBSITE_HOSTNAME
        ? `https://${raw.WEBSITE_HOSTNAME}/`
        : undefined);
  if (url === undefined) {
    if (!problems.has('MAILFERRY_DASHBOARD_URL')) {
      problems.missing(
        'MAILFERRY_DASHBOARD_URL',
        'report mails link to it and the platform did not set WEBSITE_HOSTNAME.',
      );
    }
    return '';
  }
  return url.endsWith('/') ? url : `${url}/`;
}

/** Report mails need a sender when they have recipients, and a way out (SMTP or Graph) when they have a sender. */
export function checkReportSending(
  raw: RawSettings,
  smtp: SmtpSettings | undefined,
  m365: M365Settings | undefined,
  problems: Problems,
): void {
  const recipients = raw.REPORT_RECIPIENTS ?? [];
  if (recipients.length > 0 && !raw.REPORT_SENDER && !problems.has('REPORT_SENDER')) {
    problems.missing('REPORT_SENDER', 'REPORT_RECIPIENTS is set, and report mails need a sender.');
  }
  if (raw.REPORT_SENDER && !smtp && !m365 && !problems.list.some((p) => p.setting.startsWith('M365_'))) {
    problems.add(
      'SETTING_MISSING',
      'SMTP_HOST',
      'Set SMTP_HOST (an SMTP relay) or the M365_* settings (Graph sendMail): REPORT_SENDER is set but there is no way to send mail.',
    );
  }
}
