import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

interface Printed {
  graphBaseUrl: string;
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  sentMailUrl: string;
}

/** Runs the documented command and resolves with its stdout lines once the first one is complete. */
function start(args: string[]): Promise<{ child: ChildProcess; lines: string[]; stderr: () => string }> {
  const child = spawn('npm', ['run', '-s', 'standin', '--', ...args], { cwd: ROOT });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ child, lines: out.split('\n').filter(Boolean), stderr: () => err });
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

describe('npm run standin -- graph', () => {
  it('prints one JSON line a client can sign in with, serves Graph, and stops on SIGTERM', async () => {
    const { child, lines } = await start(['graph', '--users', 'ada@contoso.com,bob@fabrikam.com']);
    expect(lines).toHaveLength(1);
    const printed = JSON.parse(lines[0]!) as Printed;
    expect(Object.keys(printed).sort()).toEqual(
      ['authorityHost', 'clientId', 'clientSecret', 'graphBaseUrl', 'sentMailUrl', 'tenantId'].sort(),
    );
    expect(printed.graphBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\.0$/);

    const token = await fetch(`${printed.authorityHost}/${printed.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: printed.clientId,
        client_secret: printed.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    expect(token.status).toBe(200);
    const auth = {
      authorization: `Bearer ${((await token.json()) as { access_token: string }).access_token}`,
    };
    const users = (await (await fetch(`${printed.graphBaseUrl}/users`, { headers: auth })).json()) as {
      value: Array<{ userPrincipalName: string }>;
    };
    expect(users.value.map((u) => u.userPrincipalName)).toEqual(['ada@contoso.com', 'bob@fabrikam.com']);

    const created = await fetch(`${printed.graphBaseUrl}/users/ada@contoso.com/events`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        subject: 'Kick-off',
        start: { dateTime: '2026-04-01T10:00:00', timeZone: 'UTC' },
        end: { dateTime: '2026-04-01T11:00:00', timeZone: 'UTC' },
        attendees: [{ emailAddress: { address: 'bob@fabrikam.com' }, type: 'required' }],
      }),
    });
    expect(created.status).toBe(201);
    const sent = (await (await fetch(printed.sentMailUrl)).json()) as Array<{
      kind: string;
      recipients: string[];
    }>;
    expect(sent).toEqual([expect.objectContaining({ kind: 'invitation', recipients: ['bob@fabrikam.com'] })]);

    const done = exited(child);
    child.kill('SIGTERM');
    expect(await done).toEqual({ code: 0, signal: null });
    await expect(fetch(printed.sentMailUrl)).rejects.toThrow();
  }, 120_000);

  it('answers bad arguments with one {code, message} line and exit code 2', async () => {
    const child = spawn('npm', ['run', '-s', 'standin', '--', 'graph', '--users', 'not-an-address'], {
      cwd: ROOT,
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const { code } = await exited(child);
    expect(code).toBe(2);
    expect(JSON.parse(err.trim())).toMatchObject({ code: 'STANDIN_BAD_USERS' });
  }, 120_000);
});
