import { startGraphStandin, type GraphStandin, type GraphStandinOptions } from '../../testing/graph-standin';

/** A raw HTTP view of the stand-in (no product code): what any Graph client would send and see. */
export interface Raw {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

const CLIENT_ID = '33333333-3333-3333-3333-333333333333';
const SECRET = 'standin-test-secret';

export interface Harness {
  g: GraphStandin;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Raw>;
}

export function useRawStandin(options: GraphStandinOptions = {}): () => Harness {
  let h: Harness | undefined;
  beforeAll(async () => {
    const g = await startGraphStandin({
      apps: [{ clientId: CLIENT_ID, secret: SECRET }],
      users: [{ userPrincipalName: 'ada@contoso.com' }],
      ...options,
    });
    const tokenReply = await fetch(g.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: CLIENT_ID,
        client_secret: SECRET,
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    const token = ((await tokenReply.json()) as { access_token: string }).access_token;
    h = {
      g,
      async call(method, path, body, headers = {}) {
        const isBytes = Buffer.isBuffer(body);
        const res = await fetch(`${g.url}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body !== undefined && !isBytes ? { 'content-type': 'application/json' } : {}),
            ...headers,
          },
          body: body === undefined ? undefined : isBytes ? body : JSON.stringify(body),
        });
        const type = res.headers.get('content-type') ?? '';
        const buf = Buffer.from(await res.arrayBuffer());
        return {
          status: res.status,
          headers: res.headers,
          body: type.includes('json') && buf.length > 0 ? JSON.parse(buf.toString('utf8')) : buf,
        };
      },
    };
  });
  afterAll(async () => {
    await h?.g.stop();
  });
  return () => {
    if (!h) throw new Error('stand-in not started');
    return h;
  };
}

export const ME = '/users/ada@contoso.com';
