import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenProvider, type TokenProvider } from '../../shared/auth';

import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { GraphClient, type GraphClientOptions } from '../../shared/graph';
import { startGraphStandin, type GraphStandin, type GraphStandinOptions } from '../graph-standin';

export const CLIENT_ID = '22222222-2222-2222-2222-222222222222';
export const TEST_SECRET = 'stand-in-secret-value';

/** A throwaway self-signed RSA certificate with its key (openssl), PEM: key + certificate. */
export function makeCertificatePem(): { pem: string; certificatePem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mf-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=mailferry-test',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const key = readFileSync(join(dir, 'key.pem'), 'utf8');
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    return { pem: key + cert, certificatePem: cert };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One stand-in per test file, with the test app registered (secret), stopped after the file. */
export function useStandin(options: GraphStandinOptions = {}): () => GraphStandin {
  let standin: GraphStandin | undefined;
  beforeAll(async () => {
    standin = await startGraphStandin({ apps: [{ clientId: CLIENT_ID, secret: TEST_SECRET }], ...options });
  });
  afterAll(async () => {
    await standin?.stop();
  });
  return () => {
    if (!standin) throw new Error('stand-in not started');
    return standin;
  };
}

export function secretProvider(standin: GraphStandin): TokenProvider {
  return createTokenProvider({
    tenantId: standin.tenantId,
    clientId: CLIENT_ID,
    credential: { kind: 'secret', secret: TEST_SECRET },
    authorityHost: standin.authorityHost,
  });
}

export function clientFor(standin: GraphStandin, options: Partial<GraphClientOptions> = {}): GraphClient {
  return new GraphClient({ baseUrl: standin.url, tokens: secretProvider(standin), ...options });
}

/** Builds a MIME message with nodemailer's composer (the same library real clients use). */
export async function mime(options: Mail.Options): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}
