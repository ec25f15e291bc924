import { ManualClock } from '../../local/clock';
import { probe } from './fixture-app/probe';
import { useFixtureHost } from '../../testing/jest/runtime';

/** Timers read the host's clock: the timer trigger's NCRONTAB schedule and durable timers. */
const clock = new ManualClock(new Date('2026-05-01T10:02:30Z'));
const host = useFixtureHost({ clock });

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

test('the timer trigger fires on its NCRONTAB schedule (every 5 minutes, on the minute)', async () => {
  probe.reset();
  clock.advance(2 * 60_000); // 10:04:30: not yet
  await settle();
  expect(probe.ticks).toEqual([]);
  clock.advance(60_000); // 10:05:30: fired at 10:05:00
  await settle();
  expect(probe.ticks).toEqual(['2026-05-01T10:05:00.000Z']);
  clock.advance(10 * 60_000); // through 10:10 and 10:15
  await settle();
  expect(probe.ticks).toEqual([
    '2026-05-01T10:05:00.000Z',
    '2026-05-01T10:10:00.000Z',
    '2026-05-01T10:15:00.000Z',
  ]);
});

test('a durable timer completes when the clock reaches it, not before', async () => {
  const id = await host().engine.startNew('fxTimer', undefined);
  for (let i = 0; i < 100 && clock.pending() < 2; i++) await settle(); // the trigger's timer + ours
  clock.advance(30_000);
  await settle();
  expect((await host().engine.getRecord(id))?.runtimeStatus).toBe('Running');
  clock.advance(30_000);
  const record = await host().engine.waitForCompletion(id, 10_000);
  expect(record.runtimeStatus).toBe('Completed');
  expect(JSON.parse(record.output as string)).toBe(60_000);
});
