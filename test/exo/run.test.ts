import { CORPUS_FOLDER_MAP } from '../../testing/mail/corpus';
/* eslint-disable @typescript-eslint/no-explicit-any -- the JSON report is read loosely; assertions check its shape */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mailferry } from '../../testing/jest/cli';
import { SOURCE_SPECIAL_USE, useDovecot } from '../../testing/jest/dovecot';
import { CLIENT_ID, TEST_SECRET } from '../../testing/jest/graph';
import { seedMailbox, snapshotMailbox, testCorpus, type SnapshotItem } from '../../testing/mail/corpus';
import { useExchangeOnline } from './exo-harness';

/**
 * `mailferry run` into a `microsoft365` target, as an administrator would run it: the Graph
 * stand-in is the tenant (directory, token endpoint), the XOAUTH2 Dovecot behind the Exchange
 * proxy is "outlook.office365.com". Tokens live 3 seconds and every answer takes 100 ms, so
 * sessions outlive their token and are ended with AccessTokenExpired mid-run; the corpus must still
 * arrive byte for byte, once.
 */

const source = useDovecot({ specialUse: SOURCE_SPECIAL_USE });
const exo = useExchangeOnline({
  standin: {
    tokenLifetimeSeconds: 3,
    organization: { displayName: 'Contoso', onPremisesSyncEnabled: true },
    domains: [{ id: 'contoso.com' }],
    users: [{ userPrincipalName: 'alice@contoso.com' }, { userPrincipalName: 'bob@contoso.com' }],
  },
  proxy: { latencyMs: 100 },
});

const FOLDER_MAP: Record<string, string> = { ...CORPUS_FOLDER_MAP };
const login = (d: { host: string; port: number }, user: string) => ({
  host: d.host,
  port: d.port,
  user,
  password: 'pw',
});

test('moves the corpus byte for byte into Microsoft 365 over IMAP, across token expiries', async () => {
  const work = mkdtempSync(path.join(tmpdir(), 'mailferry-exo-run-'));
  const users = ['alice@contoso.com', 'bob@contoso.com'];
  for (const u of users) {
    source().addUser(u, 'pw');
    exo().imap.addUser(u, 'pw');
  }
  await seedMailbox(login(source(), users[0]!), testCorpus());
  await seedMailbox(login(source(), users[1]!), testCorpus().slice(0, 5));
  const config = path.join(work, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      source: {
        type: 'imap',
        host: source().host,
        port: source().port,
        security: 'none',
        admin: { user: 'admin', password: { env: 'SOURCE_PW' } },
      },
      target: {
        type: 'microsoft365',
        tenantId: exo().standin.tenantId,
        clientId: CLIENT_ID,
        clientSecret: { env: 'M365_SECRET' },
        authorityHost: exo().standin.authorityHost,
        graphBaseUrl: exo().standin.url,
        imap: { host: exo().proxy.host, port: exo().proxy.port, security: 'none' },
      },
    }),
  );
  const csv = path.join(work, 'exo.csv');
  writeFileSync(csv, `EmailAddress\r\n${users.join('\r\n')}\r\n`);
  const run = await mailferry(['run', '--config', config, '--csv', csv, '--json'], {
    env: { SOURCE_PW: 'adminpw', M365_SECRET: TEST_SECRET },
    timeoutMs: 240_000,
  });
  expect(run.stderr).not.toMatch(/^error /m);
  expect(run.code).toBe(0);
  const report = JSON.parse(run.stdout);
  expect(report.mailboxes.map((m: any) => [m.emailAddress, m.status, m.itemsSynced])).toEqual([
    ['alice@contoso.com', 'Synced', testCorpus().length],
    ['bob@contoso.com', 'Synced', 5],
  ]);
  expect(run.stdout).not.toContain(TEST_SECRET);
  // Sessions did outlive their tokens, and the mail is the source's, byte for byte, once.
  expect(exo().proxy.stats.expiredSessions).toBeGreaterThan(0);
  for (const u of users) {
    const src = await snapshotMailbox(login(source(), u));
    const dst = await snapshotMailbox(login(exo().imap, u));
    const want = new Map<string, SnapshotItem[]>();
    const got = new Map<string, SnapshotItem[]>();
    for (const [from, to] of Object.entries(FOLDER_MAP)) {
      if (src.get(from)?.length) want.set(from, src.get(from)!);
      if (dst.get(to)?.length) got.set(from, dst.get(to)!);
    }
    expect(got).toEqual(want);
  }
}, 300_000);
