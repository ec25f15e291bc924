import { z } from 'zod';

/**
 * The cutover block of a completion report: forwarding set n of m (with each warning) and the DNS
 * findings per accepted domain, each with the record to create. Validated like every report input,
 * rendered as plain lines that the HTML and text bodies both show.
 */
const line = z.string().max(2000);
const problem = z.object({ code: z.string().min(1).max(100), message: line });

export const cutoverReportSchema = z.object({
  forwarding: z.object({
    enabled: z.boolean(),
    set: z.number().int().min(0),
    of: z.number().int().min(0),
    warnings: z
      .array(problem.extend({ email: line }))
      .max(1000)
      .default([]),
  }),
  dns: z
    .array(
      z.union([
        z.object({
          domain: line,
          ok: z.boolean(),
          findings: z.array(
            z.object({
              record: z.enum(['MX', 'Autodiscover', 'SPF']),
              name: line,
              status: z.enum(['ok', 'missing', 'wrong', 'error']),
              found: z.array(line).max(50),
              expected: line,
              fix: line.optional(),
              error: problem.optional(),
            }),
          ),
        }),
        z.object({ domain: line, ok: z.literal(false), error: problem }),
      ]),
    )
    .max(100)
    .default([]),
  /** The conversion pack is among the report files (completion). */
  pack: z.boolean().default(true),
});
export type CutoverReport = z.output<typeof cutoverReportSchema>;

/** The block as lines: what is ready, and for each thing that is not, what to do. */
export function cutoverLines(c: CutoverReport): string[] {
  const lines: string[] = [];
  const f = c.forwarding;
  lines.push(
    f.enabled
      ? `Forwarding: targetAddress set for ${f.set} of ${f.of} mailboxes.`
      : 'Forwarding: not set by mailferry (no directory endpoint on the batch, or setForwarding is false).',
  );
  for (const w of f.warnings.slice(0, 50)) lines.push(`Forwarding of ${w.email}: ${w.code}: ${w.message}`);
  for (const d of c.dns) {
    if (!('findings' in d)) {
      lines.push(`DNS of ${d.domain}: not checked: ${d.error.code}: ${d.error.message}`);
      continue;
    }
    for (const r of d.findings) {
      if (r.status === 'ok') lines.push(`DNS ${r.record} of ${r.name}: ok.`);
      else if (r.status === 'error')
        lines.push(`DNS ${r.record} of ${r.name}: ${r.error?.code}: ${r.error?.message}`);
      else
        lines.push(
          `DNS ${r.record} of ${r.name}: ${r.status}${r.found.length ? ` (now ${r.found.join(', ')})` : ''}; create: ${r.fix ?? r.expected}`,
        );
    }
  }
  if (c.pack)
    lines.push(
      'The conversion pack (Export-CloudMailboxes.ps1, Convert-ToMailUser.ps1, cutover.md) is among the report files.',
    );
  return lines;
}
