import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server on loopback (no TLS) that keeps every message it accepts. With `auth` it
 * requires that login; addresses in `refuse` are rejected at RCPT TO as a real server would.
 */
export interface CapturingSmtp {
  port: number;
  messages: Array<{ from: string | false; to: string[]; mail: ParsedMail }>;
  close(): Promise<void>;
}

export interface CapturingSmtpOptions {
  auth?: { user: string; pass: string };
  refuse?: string[];
}

export function startCapturingSmtp(options: CapturingSmtpOptions = {}): Promise<CapturingSmtp> {
  const messages: CapturingSmtp['messages'] = [];
  const server = new SMTPServer({
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.auth?.user && auth.password === options.auth?.pass)
        callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      if (options.refuse?.includes(address.address)) callback(new Error('550 No such user here'));
      else callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const from = session.envelope.mailFrom && session.envelope.mailFrom.address;
          messages.push({ from, to: session.envelope.rcptTo.map((r) => r.address), mail });
          callback();
        })
        .catch(callback);
    },
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.server.address() as AddressInfo;
      resolve({ port, messages, close: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}
