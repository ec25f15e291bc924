import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { BlobServiceClient } from '@azure/storage-blob';
import { startHost, type Host } from '../../local/host';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';

/**
 * A whole batch through the embedded runtime and the real app, with known secrets everywhere a
 * secret goes (endpoint admin passwords, a CSV password, the API key) and a known message body;
 * every log line the run produces (function logs at every level, and anything written to the
 * console) is then scanned for them. A leak here is a leak on Azure: the same lines go to
 * Application Insights.
 */
const root = path.resolve(__dirname, '..', '..');
const SECRETS = {
  apiKey: 'log-scan-api-key-5f1c9e',
  sourceAdmin: 'Src-Adm1n-Pa55!',
  targetAdmin: 'Tgt-Adm1n-Pa55!',
  csvPassword: 'Csv-User-Pa55word!',
  body: 'CANARY-BODY-7d3e91 confidential line',
};

let host: Host;
let source: RunningDovecot;
let target: RunningDovecot;
let dataDir: string;
const lines: string[] = [];

function captureConsole(): () => void {
  const restore: Array<() => void> = [];
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      lines.push(String(chunk));
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => (stream.write = original as typeof stream.write));
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => lines.push(args.map(String).join(' '));
    restore.push(() => (console[method] = original));
  }
  return () => restore.forEach((r) => r());
}

async function api(
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; json: ApiBody }> {
  const res = await fetch(`${host.url}/api/${route}`, {
    method,
    headers: { 'x-functions-key': SECRETS.apiKey, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as ApiBody) : {} };
}

interface BatchRow {
  name: string;
  status: string;
}
interface ApiBody {
  batches?: BatchRow[];
}

let release: () => void = () => undefined;

beforeAll(async () => {
  [source, target] = await Promise.all([
    startDovecot({ admin: { user: 'admin', password: SECRETS.sourceAdmin } }),
    startDovecot({ admin: { user: 'admin', password: SECRETS.targetAdmin } }),
  ]);
  source.addUser('ann@example.com', 'x');
  source.addUser('ben@example.com', 'x');
  target.addUser('ann@example.com', 'x');
  const ann = new ImapFlow({
    host: source.host,
    port: source.port,
    secure: false,
    auth: { user: `ann@example.com*admin`, pass: SECRETS.sourceAdmin },
    logger: false,
  });
  await ann.connect();
  await ann.append('INBOX', `From: x@example.org\r\nSubject: s1\r\n\r\n${SECRETS.body}\r\n`, ['\\Seen']);
  await ann.logout();

  release = captureConsole();
  dataDir = mkdtempSync(path.join(tmpdir(), 'mailferry-logscan-'));
  host = await startHost({
    appRoot: root,
    appModule: path.join(root, 'functions', 'index'),
    port: 0,
    apiKey: SECRETS.apiKey,
    blobPollMs: 200,
    settings: { MAILFERRY_DATA_DIR: dataDir, MAILFERRY_LOG_LEVEL: 'trace' },
    log: (level, fn, message) => lines.push(`${level} ${fn}: ${message}`),
  });
}, 60000);

afterAll(async () => {
  release();
  await host?.stop();
  await Promise.all([source?.stop(), target?.stop()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('a batch with known secrets and a known body leaves none of them in any log line', async () => {
  for (const [name, server] of [
    ['source', source],
    ['target', target],
  ] as const) {
    const made = await api('POST', 'endpoints', {
      name,
      type: 'imap',
      settings: { host: server.host, port: server.port, security: 'none', admin: { user: 'admin' } },
      password: name === 'source' ? SECRETS.sourceAdmin : SECRETS.targetAdmin,
    });
    expect(made.status).toBe(201);
    // A login test logs the conversation's outcome; it must not log the password used.
    await api('POST', `endpoints/${name}/test`);
  }
  // ben has no target mailbox, so his mailbox fails and its error path is logged too.
  const csv = `EmailAddress,Password,ForceChangePassword\r\nann@example.com,${SECRETS.csvPassword},False\r\nben@example.com,,\r\n`;
  const blobs = BlobServiceClient.fromConnectionString(host.storage.connectionString);
  await blobs.getContainerClient('migration-batches').getBlockBlobClient('scan.csv').upload(csv, csv.length);

  let batch: BatchRow | undefined;
  for (let i = 0; i < 300; i++) {
    batch = (await api('GET', 'batches')).json.batches?.find((b) => b.name === 'scan');
    if (batch && ['Synced', 'SyncedWithErrors', 'Failed'].includes(batch.status)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(batch?.status).toBe('SyncedWithErrors');
  // Bad input paths log too: a wrong key, a malformed body.
  await fetch(`${host.url}/api/batches`, { headers: { 'x-functions-key': 'wrong' } });
  await api('POST', 'endpoints', { name: 'broken', type: 'imap', password: SECRETS.sourceAdmin });

  // The capture works: the blob drop's own line is there (and clean).
  expect(lines.some((l) => l.includes('batchDrop') && l.includes('scan'))).toBe(true);
  const leaks = lines.flatMap((line) =>
    Object.entries(SECRETS)
      .filter(([, secret]) => line.includes(secret))
      .map(([name]) => `${name} in: ${line.slice(0, 300)}`),
  );
  expect(leaks).toEqual([]);
}, 120000);
