import {
  nextProgress,
  percentDone,
  RATE_WINDOW_MS,
  type ChunkTotals,
} from '../../shared/state/mailbox-progress';
import { folderVerdict } from '../../shared/reconcile/verdict';

/** The numbers a person reads while a mailbox copies, and the verdict per folder. */
const chunk = (itemsSynced: number, over: Partial<ChunkTotals> = {}): ChunkTotals => ({
  folder: 'INBOX',
  finished: false,
  sourceItems: 1000,
  itemsSynced,
  itemsSkipped: 0,
  itemsFailed: 0,
  bytesSynced: itemsSynced * 1000,
  itemsPerSecond: 50,
  bytesPerSecond: 50_000,
  ...over,
});

test('the rate is measured over the last minutes, and the time left follows from it', () => {
  const t0 = Date.parse('2026-01-01T10:00:00Z');
  let p = nextProgress(undefined, chunk(100), new Date(t0));
  // One sample: the chunk's own rate (50/s = 3000/min), 900 left → 18 s.
  expect(p).toMatchObject({ currentFolder: 'INBOX', itemsPerMinute: 3000, etaSeconds: 18 });
  // A minute later 200 more: 200 items/min over the window, 700 left → 210 s, whatever the last chunk said.
  p = nextProgress(p, chunk(300, { itemsPerSecond: 500 }), new Date(t0 + 60_000));
  expect(p).toMatchObject({ itemsPerMinute: 200, bytesPerMinute: 200_000, etaSeconds: 210, itemsDone: 300 });
  expect(percentDone(p)).toBe(30);
  // Samples older than the window no longer weigh on the rate.
  p = nextProgress(p, chunk(400), new Date(t0 + 60_000 + RATE_WINDOW_MS));
  expect(p.samples).toHaveLength(2);
  expect(p.itemsPerMinute).toBe(20);
});

test('a finished mailbox shows no folder, 100 % and no time left; an empty one too', () => {
  const p = nextProgress(undefined, chunk(990, { itemsSkipped: 10, finished: true }));
  expect(p).toMatchObject({ currentFolder: '', etaSeconds: 0 });
  expect(percentDone(p)).toBe(100);
  expect(percentDone({ sourceItems: 0, itemsDone: 0 })).toBe(100);
  // Nothing measured yet: no time left is made up.
  expect(nextProgress(undefined, chunk(0, { itemsPerSecond: 0 })).etaSeconds).toBeUndefined();
});

test('verdicts: skipped messages are expected to be absent; a shortfall is missing, a surplus extra', () => {
  expect(folderVerdict(4, 1, 3).text).toBe('ok');
  expect(folderVerdict(4, 1, 2)).toEqual({ verdict: 'missing', difference: 1, text: 'missing 1' });
  expect(folderVerdict(4, 0, 6)).toEqual({ verdict: 'extra', difference: 2, text: 'extra 2' });
  expect(folderVerdict(null, 0, 3, 'the folder is gone from the source').text).toBe(
    'not checked: the folder is gone from the source',
  );
});
