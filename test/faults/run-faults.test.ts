/* eslint-disable @typescript-eslint/no-explicit-any -- the JSON report is read loosely; assertions check its shape */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFaultProxy, type FaultProxy } from '../../testing/faults/imap-proxy';
import { mailferry } from '../../testing/jest/cli';
import { SOURCE_SPECIAL_USE, TARGET_SPECIAL_USE } from '../../testing/jest/dovecot';
import { seedMailbox, snapshotMailbox, testCorpus } from '../../testing/mail/corpus';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { FOLDER_MAP } from './mail-fixture';

/**
 * `mailferry run` (the real orchestrators and activities on the embedded runtime, in a child
 * process) between two real Dovecots, with fault proxies in between that cut FETCH answers in the
 * middle of a message, lose APPEND replies the server had already acted on, and reset a
 * connection. The batch must end Synced with every mailbox complete: the target holds exactly the
 * source (nothing doubled, nothing missing), and each mailbox row's itemsSynced is what its target
 * holds.
 */
let source: RunningDovecot;
let target: RunningDovecot;
let work: string;
const proxies: FaultProxy[] = [];
const USERS = ['ann@example.com', 'ben@example.com', 'cat@example.com'];

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mailferry-faults-'));
  [source, target] = await Promise.all([
    startDovecot({ specialUse: SOURCE_SPECIAL_USE }),
    startDovecot({ specialUse: TARGET_SPECIAL_USE }),
  ]);
  for (const u of USERS) {
    source.addUser(u, 'x');
    target.addUser(u, 'x');
  }
  for (const u of USERS)
    await seedMailbox({ host: source.host, port: source.port, user: u, password: 'x' }, testCorpus());
}, 60000);

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await Promise.all([source?.stop(), target?.stop()]);
});

const as = (d: RunningDovecot, user: string) => ({ host: d.host, port: d.port, user, password: 'x' });

test('cut FETCHes, lost APPEND replies and a reset: the batch ends Synced, exact, with true counters', async () => {
  const src = await startFaultProxy({
    upstreamHost: source.host,
    upstreamPort: source.port,
    lifetimeMs: 300_000,
  });
  const dst = await startFaultProxy({
    upstreamHost: target.host,
    upstreamPort: target.port,
    lifetimeMs: 300_000,
  });
  proxies.push(src, dst);
  src.arm({ kind: 'fetchCut', afterBytes: 3000, times: 3 });
  dst.arm({ kind: 'appendReplyLost', times: 3 });
  dst.arm({ kind: 'reset', afterBytes: 20_000 });
  const side = (p: FaultProxy, d: RunningDovecot) => ({
    type: 'imap',
    host: p.host,
    port: p.port,
    security: 'none',
    admin: { user: d.admin.user, password: d.admin.password, loginFormat: '{user}*{admin}' },
  });
  const config = path.join(work, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({ source: side(src, source), target: side(dst, target), maxConcurrentMigrations: 3 }),
  );
  const csv = path.join(work, 'wave.csv');
  writeFileSync(csv, `EmailAddress\r\n${USERS.join('\r\n')}\r\n`);

  const run = await mailferry(
    ['run', '--config', config, '--csv', csv, '--data', path.join(work, 'data'), '--json'],
    {
      timeoutMs: 240_000,
    },
  );
  expect(src.fired.fetchCut).toBe(3);
  expect(dst.fired.appendReplyLost).toBe(3);
  expect(run.stderr).not.toMatch(/^error /m);
  const report = JSON.parse(run.stdout);
  expect(report.mailboxes.map((m: any) => [m.emailAddress, m.status, m.error])).toEqual(
    USERS.map((u) => [u, 'Synced', null]),
  );
  expect(run.code).toBe(0);
  for (const u of USERS) {
    const from = await snapshotMailbox(as(source, u));
    const to = await snapshotMailbox(as(target, u));
    for (const [s, t] of Object.entries(FOLDER_MAP))
      expect({ u, s, items: to.get(t) ?? [] }).toEqual({ u, s, items: from.get(s) ?? [] });
    const held = [...to.values()].reduce((n, v) => n + v.length, 0);
    expect({ u, itemsSynced: report.mailboxes.find((m: any) => m.emailAddress === u).itemsSynced }).toEqual({
      u,
      itemsSynced: held,
    });
  }
}, 300_000);
