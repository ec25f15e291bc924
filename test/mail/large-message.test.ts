import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { imapAs } from '../../testing/jest/app';
import { runMeasured } from '../../testing/jest/cli';

/**
 * A 100 MB message through the built CLI (`node dist/cli/main.js run`), between two Dovecots: it
 * arrives byte for byte, and the peak resident memory of the CLI process (VmHWM, read from /proc
 * while it runs; Azurite runs in a process of its own) stays within 256 MB.
 */
const SIZE = 100 * 1024 * 1024;
let source: RunningDovecot;
let target: RunningDovecot;
let work: string;
const user = 'large@example.com';

/** A message of about `size` bytes: headers and base64-like lines of varied text. */
function bigMessage(size: number): Buffer {
  const head = Buffer.from(
    `From: a@example.org\r\nTo: ${user}\r\nSubject: one hundred megabytes\r\nMessage-ID: <large-100mb@example.org>\r\n` +
      'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n',
  );
  const body = Buffer.alloc(size - head.length);
  const line = 78;
  for (let i = 0; i < body.length; i++) {
    const col = i % line;
    body[i] = col === line - 2 ? 13 : col === line - 1 ? 10 : 65 + ((i * 7 + Math.floor(i / line)) % 26);
  }
  return Buffer.concat([head, body]);
}

async function inboxDigest(server: RunningDovecot): Promise<{ count: number; sha256?: string }> {
  const client = await imapAs(server, user);
  try {
    const box = await client.mailboxOpen('INBOX', { readOnly: true });
    if (!box.exists) return { count: 0 };
    const { content } = await client.download('1', undefined, { uid: false });
    const hash = createHash('sha256');
    if (!content) return { count: box.exists };
    for await (const chunk of content) hash.update(chunk as Buffer);
    return { count: box.exists, sha256: hash.digest('hex') };
  } finally {
    await client.logout();
  }
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mailferry-large-'));
  [source, target] = await Promise.all([startDovecot(), startDovecot()]);
  source.addUser(user, 'x');
  target.addUser(user, 'x');
  const client = await imapAs(source, user);
  await client.append('INBOX', bigMessage(SIZE), ['\\Seen'], new Date('2024-05-01T10:00:00Z'));
  await client.logout();
}, 120000);

afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
});

it('a 100 MB message arrives byte for byte through mailferry run within 256 MB of RSS', async () => {
  const side = (server: RunningDovecot) => ({
    type: 'imap',
    host: server.host,
    port: server.port,
    security: 'none',
    admin: { user: server.admin.user, password: server.admin.password, loginFormat: '{user}*{admin}' },
  });
  const config = path.join(work, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({ source: side(source), target: { ...side(target), maxMessageSizeMB: 150 } }),
  );
  const csv = path.join(work, 'large.csv');
  writeFileSync(csv, `EmailAddress\r\n${user}\r\n`);
  const run = await runMeasured(['run', '--config', config, '--csv', csv, '--data', path.join(work, 'data')]);
  expect(run.stderr).not.toMatch(/^error /m);
  expect(run.code).toBe(0);
  const [from, to] = await Promise.all([inboxDigest(source), inboxDigest(target)]);
  expect(to).toEqual(from);
  expect(to.count).toBe(1);
  // The goal of a copy that streams a large message from the source's partial FETCHes into the
  // target's APPEND literal: the process' baseline (~170 MB) plus a few MB, never a copy of the
  // message (which took it to ~290 MB).
  const peakMb = Math.round(run.peakKb / 1024);
  console.log(`mailferry run, 100 MB message: peak RSS of the CLI process ${peakMb} MB (goal 256 MB)`);
  expect(run.peakKb).toBeGreaterThan(0);
  expect(peakMb).toBeLessThanOrEqual(256);
}, 600000);
