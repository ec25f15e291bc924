import { dueAction } from '../shared/batches/schedule';
import type { Batch } from '../shared/state';

const now = new Date('2026-06-01T12:00:00Z');
type BatchOver = Omit<Partial<Batch>, 'options'> & { options?: Partial<Batch['options']> };
const batch = (over: BatchOver): Batch =>
  ({
    id: 'b',
    status: 'Synced',
    createdAt: '2026-05-01T00:00:00Z',
    lastSyncedAt: '2026-06-01T00:00:00Z',
    ...over,
    options: { incrementalSyncIntervalHours: 24, ...over.options },
  }) as Batch;

test.each([
  ['synced 12 h ago with a 24 h interval: nothing', batch({}), undefined],
  [
    'synced 12 h ago with a 6 h interval: sync',
    batch({ options: { incrementalSyncIntervalHours: 6 } }),
    'sync',
  ],
  [
    'completeAfter passed: complete',
    batch({ options: { completeAfter: '2026-06-01T11:00:00Z' } }),
    'complete',
  ],
  [
    'completeAfter ahead, interval not passed: nothing',
    batch({ options: { completeAfter: '2026-06-02T00:00:00Z' } }),
    undefined,
  ],
  [
    'created with startAfter passed: start',
    batch({ status: 'Created', options: { startAfter: '2026-06-01T11:59:00Z' } }),
    'start',
  ],
  [
    'created with startAfter ahead: nothing',
    batch({ status: 'Created', options: { startAfter: '2026-06-01T13:00:00Z' } }),
    undefined,
  ],
  ['created without startAfter: waits for a start', batch({ status: 'Created' }), undefined],
  [
    'syncing now: nothing',
    batch({ status: 'Syncing', options: { incrementalSyncIntervalHours: 1 } }),
    undefined,
  ],
])('%s', (_, b, expected) => {
  expect(dueAction(b, now)).toBe(expected);
});
