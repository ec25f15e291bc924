import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ManualClock } from '../../local/clock';
import { startHost, type Host } from '../../local/host';
import { SLOT_MAILBOXES_PER_EXECUTION } from '../../orchestrators/sliding-window';
import { services } from '../../shared/app/services';
import { batchInstanceId, ORCHESTRATIONS } from '../../shared/workflow/names';
import { work } from './window-app/work';

/**
 * migrateBatch on the embedded runtime, with the real orchestrators and state in Azurite and only
 * the mailbox work stood in (window-app): the window's size, its history, and reports that fail.
 */
const clock = new ManualClock(new Date('2026-06-01T08:00:00Z'));
let host: Host;

beforeAll(async () => {
  host = await startHost({
    appRoot: path.resolve(__dirname, '..', '..'),
    appModule: path.join(__dirname, 'window-app', 'index'),
    port: 0,
    clock,
    settings: { MAILFERRY_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mailferry-window-')) },
  });
}, 30000);
afterAll(async () => {
  await host?.stop();
});
beforeEach(() => work.reset());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function newBatch(size: number, window: number): Promise<string> {
  const svc = services();
  const batch = await svc.state.batches.create({
    name: `window-${size}-${Date.now()}`,
    sourceEndpoint: 'source',
    target: 'target',
    options: { maxConcurrentMigrations: window },
  });
  await svc.state.mailboxes.addMany(
    batch.id,
    Array.from({ length: size }, (_, i) => ({ email: `user${i}@example.com`, status: 'Queued' as const })),
  );
  await svc.state.batches.transition(batch.id, 'Starting');
  return batch.id;
}

/** Runs a first sync to its end, moving the manual clock so durable retry timers fire. */
async function runToEnd(batchId: string, during?: () => void): Promise<string> {
  const id = await host.engine.startNew(
    ORCHESTRATIONS.migrateBatch,
    { batchId, mode: 'initial' },
    batchInstanceId(batchId),
  );
  for (let i = 0; i < 3000; i++) {
    const record = await host.engine.getRecord(id);
    if (record && ['Completed', 'Failed', 'Terminated'].includes(record.runtimeStatus))
      return record.runtimeStatus;
    during?.();
    clock.advance(10_000);
    await sleep(50);
  }
  throw new Error('the batch did not finish');
}

test('a batch far larger than its window keeps exactly `window` mailboxes running, each once, with bounded histories', async () => {
  const size = 240;
  const window = 4;
  const batchId = await newBatch(size, window);
  // One mailbox's copy is slow: it holds its slot while the other slots go through everything else.
  work.holdFirstCopy = true;
  // At the start, and again after every slot went past a continue-as-new, a copy waits until the
  // window is full: it is reached only if `window` mailboxes really run at once then.
  work.window = window;
  work.barriers = new Set([0, 1, 2, 3, 200, 201, 202]);
  const status = await runToEnd(batchId, () => {
    if (work.done.copy.length === size - 1) work.release?.();
  });
  expect(status).toBe('Completed');

  const all = Array.from({ length: size }, (_, i) => `user${i}@example.com`).sort();
  expect([...work.done.provision].sort()).toEqual(all);
  expect([...work.done.copy].sort()).toEqual(all);
  expect(work.barrierTimeouts).toBe(0);
  expect(work.peak).toBe(window);
  // The window slid past the slow mailbox: all others finished while it ran, across the slots'
  // continue-as-new boundaries (each of the other slots ran more than one execution's worth).
  expect((size - 1) / (window - 1)).toBeGreaterThan(SLOT_MAILBOXES_PER_EXECUTION);
  expect(work.finishedWhileHeld).toBe(size - 1);

  const batch = await services().state.batches.get(batchId);
  expect(batch.status).toBe('Synced');
  expect(batch.counts.Synced).toBe(size);

  // The batch's own history does not grow with the batch: a few events per window slot.
  const record = await host.engine.getRecord(batchInstanceId(batchId));
  const events = await host.engine.historyOf(record!);
  expect(events.length).toBeLessThan(40 + 12 * window);
  expect(record!.book.signatures.length).toBeLessThan(10 + 4 * window);
  // Nor does any slot's: it continues as new after SLOT_MAILBOXES_PER_EXECUTION mailboxes.
  const slots = (await host.engine.list()).filter(
    (r) => r.name === ORCHESTRATIONS.migrateBatchSlot && r.instanceId.startsWith(batchInstanceId(batchId)),
  );
  expect(slots).toHaveLength(2 * window);
  for (const slot of slots) {
    expect((await host.engine.historyOf(slot)).length).toBeLessThan(10 * SLOT_MAILBOXES_PER_EXECUTION + 20);
  }
}, 300000);

test('a status report that fails for a while is retried, and the batch goes on to copy', async () => {
  const batchId = await newBatch(6, 3);
  work.failReports = 2;
  expect(await runToEnd(batchId)).toBe('Completed');
  expect(work.reports).toEqual(['status', 'status', 'status', 'initial']);
  expect(work.done.copy).toHaveLength(6);
  const batch = await services().state.batches.get(batchId);
  expect(batch.status).toBe('Synced');
  expect(batch.lastError).toBeUndefined();
}, 120000);

test('a status report that keeps failing leaves a warning on the batch, never a batch stuck in Syncing', async () => {
  const batchId = await newBatch(6, 3);
  work.failReports = 1000;
  expect(await runToEnd(batchId)).toBe('Completed');
  expect(work.done.copy).toHaveLength(6);
  const batch = await services().state.batches.get(batchId);
  expect(batch.status).toBe('Synced');
  expect(batch.counts.Synced).toBe(6);
  expect(batch.lastError?.code).toBe('REPORT_FAILED');
  expect(batch.lastError?.message).toMatch(
    /report could not be written .*503 Server Busy.*the batch went on/,
  );
}, 120000);
