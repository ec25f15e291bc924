import { RunTimings } from '../../cli/run/timings';
import { parseTimings } from '../../bench/run-path-cli';

/**
 * `mailferry run` says where its time went only when asked (MAILFERRY_TIMINGS), in the line the
 * IMAP benchmark reads to print the engine's part apart from the whole command.
 */
test('the timings line names each phase in order, and the benchmark reads it back', async () => {
  const timings = new RunTimings();
  timings.mark('load');
  await new Promise((r) => setTimeout(r, 30));
  timings.mark('copy');
  timings.mark('stop');
  const line = timings.line({ MAILFERRY_TIMINGS: '1' });
  expect(line).toMatch(/^timings: load \d+ ms, copy \d+ ms, stop \d+ ms, total \d+ ms$/);
  const phases = parseTimings(`progress\n${line}\n`);
  expect(Object.keys(phases)).toEqual(['load', 'copy', 'stop', 'total']);
  expect(phases.copy).toBeGreaterThanOrEqual(25);
  // Each phase is rounded to the millisecond on its own: the sum may exceed the total by one each.
  expect(phases.total).toBeGreaterThanOrEqual((phases.load ?? 0) + (phases.copy ?? 0) - 2);
});

test('without MAILFERRY_TIMINGS nothing is printed', () => {
  const timings = new RunTimings();
  timings.mark('load');
  expect(timings.line({})).toBeUndefined();
});
