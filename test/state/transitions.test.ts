import { BATCH_STATUSES } from '../../shared/domain/statuses';
import {
  BATCH_TRANSITIONS,
  allowedActions,
  illegalTransition,
  mailboxDurations,
  type Mailbox,
} from '../../shared/state';

// What an administrator sees as the buttons (and the 409 hints) for each status.
test.each([
  ['Created', ['start', 'remove']],
  ['Syncing', ['stop']],
  ['Synced', ['stop', 'complete', 'sync', 'remove']],
  ['SyncedWithErrors', ['start', 'stop', 'complete', 'sync', 'remove']],
  ['Completed', ['remove']],
  ['CompletedWithErrors', ['complete', 'remove']],
  ['Stopped', ['start', 'remove']],
  ['Failed', ['start', 'remove']],
  ['Removing', []],
] as const)('a batch that is %s allows %j', (status, actions) => {
  expect(allowedActions(status)).toEqual(actions);
});

test('the issue examples are illegal: complete while Syncing, start when Completed, remove while running', () => {
  expect(allowedActions('Syncing')).not.toContain('complete');
  expect(allowedActions('Completed')).not.toContain('start');
  for (const running of ['Starting', 'Syncing', 'IncrementalSyncing', 'Completing', 'Stopping'] as const) {
    expect(allowedActions(running)).not.toContain('remove');
  }
});

test('every status is in the table and every target is a known status', () => {
  expect(Object.keys(BATCH_TRANSITIONS).sort()).toEqual([...BATCH_STATUSES].sort());
  for (const targets of Object.values(BATCH_TRANSITIONS)) {
    for (const t of targets) expect(BATCH_STATUSES).toContain(t);
  }
});

test('the illegal transition error carries the status and what is allowed', () => {
  const err = illegalTransition('abc123', 'Syncing', { action: 'complete' });
  expect(err.toJSON()).toMatchObject({
    code: 'BATCH_ILLEGAL_TRANSITION',
    status: 'Syncing',
    action: 'complete',
    allowedActions: ['stop'],
  });
  expect(err.message).toMatch(/Syncing.*complete.*Allowed now: stop/);
});

test('mailbox durations: queued until the sync started, copying time, time since the last sync', () => {
  const m = {
    queuedAt: '2026-01-01T10:00:00Z',
    syncStartedAt: '2026-01-01T10:05:00Z',
    syncedAt: '2026-01-01T11:00:00Z',
    syncDurationMs: 3_300_000,
  } as Mailbox;
  expect(mailboxDurations(m, new Date('2026-01-01T12:00:00Z'))).toEqual({
    queuedMs: 300_000,
    syncingMs: 3_300_000,
    sinceSyncedMs: 3_600_000,
  });
});
