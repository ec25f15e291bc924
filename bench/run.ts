/**
 * `npm run bench -- NAME [args]`: runs bench/NAME, a module exporting `run(args)` that prints its
 * figures. Benchmarks hold the speed and memory targets; tests never time anything.
 */
import { readdirSync } from 'node:fs';

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const available = readdirSync(__dirname)
    .filter((f) => f.endsWith('.js') && f !== 'run.js')
    .map((f) => f.slice(0, -3));
  if (!name || !available.includes(name)) {
    console.error(`usage: npm run bench -- <${available.join('|')}> [args]`);
    process.exitCode = 2;
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bench = require(`./${name}`) as { run(args: string[]): Promise<void> };
  await bench.run(args);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
