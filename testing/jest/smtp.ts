import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server on loopback (no TLS, no login) that keeps every message it accepts. */
export interface CapturingSmtp {
  port: number;
  messages: Array<{ to: string[]; mail: ParsedMail }>;
  close(): Promise<void>;
}

export function startCapturingSmtp(): Promise<CapturingSmtp> {
  const messages: CapturingSmtp['messages'] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push({ to: session.envelope.rcptTo.map((r) => r.address), mail });
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
