import { CodedError } from '../../shared/domain/errors';
import {
  createLogger,
  forgetSecrets,
  registerSecret,
  scrubLine,
  sinkTo,
  type Logger,
} from '../../shared/log';

/**
 * Logs never contain a secret, token, password or message body. These lines are made the way app
 * code makes them (objects, nested objects, format strings, errors with causes, child bindings), each
 * carrying known secrets; every line is then scanned for every secret in every form it could take.
 */

const S = {
  csvPassword: 'Pa"ss\\w0rd ü-7', // quote, backslash, space and non-ASCII: JSON-escaped in a line
  endpointPassword: 'Hunter2-Correct!horse',
  clientSecret: 'cs~AbC.123_secretvalue',
  jwt: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtYWlsZmVycnkifQ.c2lnbmF0dXJlLWJ5dGVz',
  accountKey: 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=',
  functionKey: 'fnKey_0123456789abcdef',
  urlPassword: 'url-pass-42',
  body: 'This is the confidential message body',
  privateKey: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----',
};

/** Every form a secret could take in a JSON log line. */
function forms(secret: string): string[] {
  return [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
}

let lines: string[];
let logger: Logger;

beforeEach(() => {
  forgetSecrets();
  lines = [];
  logger = createLogger({ name: 'test', level: 'debug', sink: (line) => lines.push(line) });
});

function expectNoSecretIn(output: string[]): void {
  expect(output.length).toBeGreaterThan(0);
  for (const line of output) {
    expect(() => JSON.parse(line)).not.toThrow();
    for (const [name, secret] of Object.entries(S)) {
      for (const form of forms(secret)) {
        if (line.includes(form)) throw new Error(`secret "${name}" leaked in: ${line}`);
      }
    }
    expect(line).not.toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
  }
}

test('secrets in objects at any depth, arrays and child bindings are blanked; the rest stays readable', () => {
  registerSecret(S.csvPassword);
  logger.info({ user: 'ann@contoso.com', password: S.endpointPassword }, 'login');
  logger.info(
    {
      endpoint: { name: 'onprem', settings: { imap: { auth: { user: 'admin', pass: S.endpointPassword } } } },
      rows: [{ EmailAddress: 'ann@contoso.com', Password: S.csvPassword, ForceChangePassword: true }],
      m365: { clientSecret: S.clientSecret, credential: { privateKeyPem: S.privateKey } },
      headers: { Authorization: `Bearer ${S.jwt}`, 'x-functions-key': S.functionKey },
      storage: {
        connectionString: `DefaultEndpointsProtocol=https;AccountName=st;AccountKey=${S.accountKey}`,
      },
      tokens: [{ accessToken: S.jwt, refresh_token: S.jwt }],
    },
    'endpoint saved',
  );
  logger.child({ clientSecret: S.clientSecret, batchId: 'b-1' }).warn('child line');
  const circular: Record<string, unknown> = { name: 'loop', secret: S.clientSecret };
  circular.self = circular;
  logger.debug({ circular }, 'circular');

  expectNoSecretIn(lines);
  const all = lines.join('\n');
  expect(all).toContain('ann@contoso.com');
  expect(all).toContain('"batchId":"b-1"');
  expect(all).toContain('"ForceChangePassword":true');
  expect(all).toContain('[Circular]');
  expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'login', password: '[REDACTED]', level: 'info' });
});

test('secrets inside message strings and format arguments are blanked', () => {
  registerSecret(S.csvPassword);
  registerSecret(S.endpointPassword);
  logger.info(
    `GET https://func.azurewebsites.net/api/batches?code=${S.functionKey} with Authorization: Bearer ${S.jwt}`,
  );
  logger.info(
    `storage DefaultEndpointsProtocol=https;AccountName=st;AccountKey=${S.accountKey};EndpointSuffix=core.windows.net`,
  );
  logger.info(`connecting to imaps://admin:${S.urlPassword}@mail.contoso.local:993/`);
  logger.info('token request failed: client_secret=%s grant_type=client_credentials', S.clientSecret);
  logger.info('login for %s with %s refused', 'ann@contoso.com', S.csvPassword);
  logger.warn(`IMAP said: A1 NO [AUTHENTICATIONFAILED] ${S.endpointPassword} rejected`);
  logger.info(`certificate loaded: ${S.privateKey}`);

  expectNoSecretIn(lines);
  expect(lines.join('\n')).toContain('ann@contoso.com');
  expect(lines[0]).toContain('code=[REDACTED]');
});

test('errors: message, stack, own properties, causes and coded details are blanked', () => {
  registerSecret(S.csvPassword);
  const cause = Object.assign(new Error(`token endpoint answered 401 for ${S.clientSecret}`), {
    config: { headers: { authorization: `Bearer ${S.jwt}` } },
  });
  registerSecret(S.clientSecret);
  const err = new Error(`LOGIN failed for ann@contoso.com with ${S.csvPassword}`, { cause });
  logger.error(err);
  logger.error({ err, mailbox: 'ann@contoso.com' }, 'mailbox failed');
  logger.error(
    new CodedError('endpoint.loginFailed', 'login refused', { password: S.endpointPassword, host: 'mail' }),
  );

  expectNoSecretIn(lines);
  const first = JSON.parse(lines[0]!);
  expect(first.msg).toContain('LOGIN failed for ann@contoso.com with [REDACTED]');
  expect(first.err.stack).toContain('LOGIN failed');
  expect(first.err.cause.message).toContain('token endpoint answered 401');
  expect(JSON.parse(lines[2]!).err).toMatchObject({
    code: 'endpoint.loginFailed',
    details: { host: 'mail' },
  });
});

test('message content never reaches a log: bodies, raw sources and attachments', () => {
  logger.info(
    {
      message: {
        subject: 'Quarterly figures',
        text: S.body,
        html: `<p>${S.body}</p>`,
        body: { contentType: 'html', content: S.body },
        source: Buffer.from(`Subject: Quarterly figures\r\n\r\n${S.body}`),
        attachments: [{ filename: 'q.pdf', content: Buffer.from(S.body), size: 37 }],
      },
      raw: S.body,
    },
    'message copied',
  );
  expectNoSecretIn(lines);
  expect(lines[0]).toContain('Quarterly figures');
  expect(lines[0]).toContain('q.pdf');
  expect(lines[0]).toMatch(/\[binary \d+ bytes\]/);
});

test('registering refuses values too short to blank safely, and scrubLine works on any text', () => {
  expect(registerSecret('abc')).toBe(false);
  expect(registerSecret('')).toBe(false);
  expect(registerSecret(undefined)).toBe(false);
  expect(registerSecret(S.endpointPassword)).toBe(true);
  expect(scrubLine(`x ${S.endpointPassword} y abc`)).toBe('x [REDACTED] y abc');
});

test('many registered secrets are all caught, including ones sharing a prefix', () => {
  const passwords = Array.from({ length: 5000 }, (_, i) => `Welcome-${i}-Spring!`);
  for (const p of passwords) registerSecret(p);
  // A secret that is a prefix of another must not leave the longer one's tail showing.
  registerSecret('Welcome-1');
  logger.info(`rows ${passwords.slice(0, 50).join(' ')} and Welcome-12-Spring! end`);
  expect(lines[0]).not.toMatch(/Welcome|Spring/);
  expect(lines[0]).toContain(' end');
});

test('sinkTo routes each redacted line to the invocation context at its level', () => {
  const got: string[] = [];
  const target = {
    error: (m: string) => got.push(`error ${m}`),
    warn: (m: string) => got.push(`warn ${m}`),
    info: (m: string) => got.push(`info ${m}`),
  };
  const log = createLogger({ level: 'trace', sink: sinkTo(target) });
  log.error({ password: S.endpointPassword }, 'e');
  log.warn('w');
  log.info('i');
  log.debug('d');
  expect(got.map((l) => l.split(' ')[0])).toEqual(['error', 'warn', 'info', 'info']);
  expect(got[0]).toContain('"password":"[REDACTED]"');
  expect(got.every((l) => !l.endsWith('\n'))).toBe(true);
});
