import { X509Certificate } from 'node:crypto';
import {
  createTokenProvider,
  EXCHANGE_SCOPE,
  GRAPH_SCOPE,
  imapTokenFunction,
  tokenFunction,
  tokenRoles,
} from '../../shared/auth';
import { graphClientFromSettings, preflightTenant } from '../../shared/graph';
import { isCodedError } from '../../shared/domain/errors';
import { startGraphStandin, type GraphStandin } from '../../testing/graph-standin';
import { CLIENT_ID, TEST_SECRET, makeCertificatePem } from '../../testing/jest/graph';

describe('app-only sign-in against the stand-in', () => {
  let standin: GraphStandin;
  const cert = makeCertificatePem();
  beforeAll(async () => {
    standin = await startGraphStandin({
      apps: [{ clientId: CLIENT_ID, secret: TEST_SECRET, certificatePem: cert.certificatePem }],
    });
  });
  afterAll(() => standin.stop());

  it('gets a token with the certificate and reuses msal’s cache for the next call', async () => {
    const provider = createTokenProvider({
      tenantId: standin.tenantId,
      clientId: CLIENT_ID,
      credential: { kind: 'certificate', pem: cert.pem },
      authorityHost: standin.authorityHost,
    });
    const before = standin.state.tokensIssued;
    const first = await provider.getToken(GRAPH_SCOPE);
    const second = await tokenFunction(provider, GRAPH_SCOPE)();
    expect(first).toBe(second);
    expect(standin.state.tokensIssued - before).toBe(1);
    const res = await fetch(`${standin.url}/organization`, { headers: { authorization: `Bearer ${first}` } });
    expect(res.status).toBe(200);
  });

  it('builds the process Graph client from parsed settings (key, certificate and thumbprint)', async () => {
    const certificatePem = cert.certificatePem;
    const x509 = new X509Certificate(certificatePem);
    const client = graphClientFromSettings({
      tenantId: standin.tenantId,
      clientId: CLIENT_ID,
      authorityHost: standin.authorityHost,
      graphBaseUrl: standin.url,
      licenseSkuId: undefined,
      credential: {
        kind: 'certificate',
        privateKeyPem: cert.pem.slice(0, cert.pem.indexOf('-----BEGIN CERTIFICATE-----')),
        certificatePem,
        thumbprintSha256: x509.fingerprint256.replace(/:/g, ''),
        thumbprintSha1: x509.fingerprint.replace(/:/g, ''),
      },
    });
    await expect(preflightTenant(client, ['ada@contoso.com'])).resolves.toMatchObject({
      domainsChecked: ['contoso.com'],
    });
  });

  it('gets a token with a client secret', async () => {
    const provider = createTokenProvider({
      tenantId: standin.tenantId,
      clientId: CLIENT_ID,
      credential: { kind: 'secret', secret: TEST_SECRET },
      authorityHost: standin.authorityHost,
    });
    await expect(provider.getToken(GRAPH_SCOPE)).resolves.toMatch(/\S{20,}/);
  });

  it('says which credential to fix when the secret is wrong, without echoing it', async () => {
    const provider = createTokenProvider({
      tenantId: standin.tenantId,
      clientId: CLIENT_ID,
      credential: { kind: 'secret', secret: 'wrong-secret-value' },
      authorityHost: standin.authorityHost,
    });
    const err: unknown = await provider.getToken(GRAPH_SCOPE).catch((e: unknown) => e);
    expect(isCodedError(err) && err.code).toBe('AUTH_SECRET_INVALID');
    expect(JSON.stringify(err)).not.toContain('wrong-secret-value');
    expect((err as Error).message).toMatch(/M365_CLIENT_SECRET/);
  });

  it('rejects a certificate the app registration does not know', async () => {
    const other = makeCertificatePem();
    const provider = createTokenProvider({
      tenantId: standin.tenantId,
      clientId: CLIENT_ID,
      credential: { kind: 'certificate', pem: other.pem },
      authorityHost: standin.authorityHost,
    });
    const err: unknown = await provider.getToken(GRAPH_SCOPE).catch((e: unknown) => e);
    expect(isCodedError(err) && err.code).toBe('AUTH_CERTIFICATE_REJECTED');
  });

  it('refuses a PEM without a private key with a coded error naming the setting', () => {
    expect(() =>
      createTokenProvider({
        tenantId: standin.tenantId,
        clientId: CLIENT_ID,
        credential: { kind: 'certificate', pem: cert.certificatePem },
        authorityHost: standin.authorityHost,
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'AUTH_CERTIFICATE_INVALID',
        details: { field: 'M365_CERTIFICATE_PEM' },
      }),
    );
  });

  it('refuses plain http to anything but a loopback stand-in', () => {
    expect(() =>
      createTokenProvider({
        tenantId: standin.tenantId,
        clientId: CLIENT_ID,
        credential: { kind: 'secret', secret: TEST_SECRET },
        authorityHost: 'http://login.example.com',
      }),
    ).toThrow(expect.objectContaining({ code: 'AUTH_CONFIG_INVALID' }));
  });

  it('gets an Exchange Online token for IMAP: a JWT for outlook.office365.com with IMAP.AccessAsApp', async () => {
    const getToken = imapTokenFunction(
      {
        tenantId: standin.tenantId,
        clientId: CLIENT_ID,
        credential: 'certificate',
        authorityHost: standin.authorityHost,
      },
      cert.pem,
    );
    const token = await getToken();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims).toMatchObject({
      aud: 'https://outlook.office365.com',
      roles: ['IMAP.AccessAsApp'],
      appid: CLIENT_ID,
      tid: standin.tenantId,
    });
    // An hour, as Entra ID issues them, unless the stand-in is told otherwise.
    expect(claims.exp - claims.iat).toBe(3599);
    expect(tokenRoles(token)).toEqual(['IMAP.AccessAsApp']);
    // Cached: the next login reuses it; forceRefresh (after a server called it expired) does not.
    const before = standin.state.tokensIssued;
    expect(await getToken()).toBe(token);
    expect(standin.state.tokensIssued).toBe(before);
    expect(await getToken({ forceRefresh: true })).not.toBe(token);
    expect(standin.state.tokensIssued).toBe(before + 1);
    // A Graph call with the Exchange token is refused: the audience is not Graph.
    const res = await fetch(`${standin.url}/organization`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
  });

  it('issues tokens with the lifetime the stand-in is given', async () => {
    const short = await startGraphStandin({
      apps: [{ clientId: CLIENT_ID, secret: TEST_SECRET }],
      tokenLifetimeSeconds: 30,
    });
    try {
      const provider = createTokenProvider({
        tenantId: short.tenantId,
        clientId: CLIENT_ID,
        credential: { kind: 'secret', secret: TEST_SECRET },
        authorityHost: short.authorityHost,
      });
      const token = await provider.getToken(EXCHANGE_SCOPE);
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
      expect(claims.exp - claims.iat).toBe(30);
    } finally {
      await short.stop();
    }
  });
});
