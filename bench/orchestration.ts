import path from 'node:path';
import { startHost } from '../local/host';

/**
 * `npm run bench -- orchestration [mailboxes] [window]`: a batch of mailboxes whose work is a
 * no-op, through the embedded runtime with history in Azurite. Prints mailboxes/s and peak RSS.
 * Target: at least 200 mailboxes/s on a 2-core machine.
 */
export async function run(args: string[]): Promise<void> {
  const mailboxes = Number(args[0] ?? 2000);
  const window = Number(args[1] ?? 20);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const host = await startHost({
    appRoot: path.resolve(__dirname, '..', '..'),
    appModule: path.join(__dirname, 'orchestration-app'),
    port: 0,
  });
  try {
    const started = Date.now();
    const id = await host.engine.startNew('benchBatch', { mailboxes, window });
    const record = await host.engine.waitForCompletion(id, 30 * 60_000);
    const seconds = (Date.now() - started) / 1000;
    const rate = mailboxes / seconds;
    console.log(
      `orchestration: ${mailboxes} mailboxes, window ${window}: ${record.runtimeStatus} in ${seconds.toFixed(2)} s`,
    );
    console.log(`  ${rate.toFixed(0)} mailboxes/s (target >= 200) ${rate >= 200 ? 'MET' : 'NOT MET'}`);
    console.log(
      `  peak RSS ${(peakRss / 1048576).toFixed(0)} MB (host process; Azurite runs in its own process)`,
    );
  } finally {
    clearInterval(sampler);
    await host.stop();
  }
}
