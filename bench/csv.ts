/**
 * `npm run bench -- csv [rows] [runs]`: parse + validate a generated IMAP batch CSV (default 50,000
 * rows, the format's maximum) several times and print the best and median time. Target (issue 3):
 * at most 0.5 s on the project's 2-core machine.
 */
import { parseBatchCsv, CSV_LIMITS } from '../shared/csv';

const TARGET_SECONDS = 0.5;

function imapCsv(rows: number): Buffer {
  const lines = ['EmailAddress,UserName,Password,UserRoot'];
  for (let i = 0; i < rows; i++) {
    // Realistic widths, one quoted value with a comma every 10 rows, CRLF as Excel writes.
    const root = i % 10 === 0 ? `"/users/dept ${i % 97}, floor ${i % 7}"` : '';
    lines.push(`user.${i}@contoso.com,CONTOSO/mfadmin/user.${i},Pw-${(i * 7919).toString(36)}!x9,${root}`);
  }
  return Buffer.from('\uFEFF' + lines.join('\r\n') + '\r\n', 'utf8');
}

export async function run(args: string[]): Promise<void> {
  const rows = Number(args[0] ?? CSV_LIMITS.imapMaxRows);
  const runs = Number(args[1] ?? 7);
  const input = imapCsv(rows);
  console.log(
    `csv: IMAP batch, ${rows.toLocaleString('en-US')} rows, ${(input.length / 1024 / 1024).toFixed(2)} MB, ${runs} runs`,
  );

  // The first run includes JIT warm-up: what a freshly started function instance pays once.
  const coldStart = process.hrtime.bigint();
  parseBatchCsv(input);
  const cold = Number(process.hrtime.bigint() - coldStart) / 1e9;
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const result = parseBatchCsv(input);
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
    if (!result.ok || result.rows.length !== rows) {
      throw new Error(
        `bench input did not parse: ${JSON.stringify(result.ok ? result.rows.length : result.errors[0])}`,
      );
    }
  }
  seconds.sort((a, b) => a - b);
  const best = seconds[0] ?? NaN;
  const median = seconds[Math.floor(seconds.length / 2)] ?? NaN;
  const rate = (s: number) => Math.round(rows / s).toLocaleString('en-US');
  console.log(`  cold   ${cold.toFixed(3)} s  (first run, ${rate(cold)} rows/s)`);
  console.log(`  best   ${best.toFixed(3)} s  (${rate(best)} rows/s)`);
  console.log(`  median ${median.toFixed(3)} s  (${rate(median)} rows/s)`);
  console.log(`  target ≤ ${TARGET_SECONDS} s (median): ${median <= TARGET_SECONDS ? 'MET' : 'NOT MET'}`);
}
