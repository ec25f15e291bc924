import { readFileSync } from 'node:fs';

/**
 * CPU seconds from /proc, for the benchmark's side-by-side figures: what a tool's run cost the
 * machine, not only how long it took (on two cores the tool, Azurite and both Dovecots compete).
 */
const TICKS_PER_SECOND = 100;

function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: the fields start after its closing parenthesis.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of the process itself (0 once it is gone). */
export function ownCpuSeconds(pid: number): number {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND : 0;
}

/**
 * CPU seconds of this process's children that have ended and been reaped (a tool run to its end
 * with its own children, such as mailferry with Azurite, or mbsync).
 */
export function reapedChildrenCpuSeconds(): number {
  return treeCpuSeconds(process.pid) - ownCpuSeconds(process.pid);
}

/**
 * CPU seconds of the process and of its children that have ended and been reaped: for a Dovecot
 * master, the per-connection imap processes of the sessions that closed.
 */
export function treeCpuSeconds(pid: number | undefined): number {
  const f = pid === undefined ? undefined : statFields(pid);
  return f ? (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND : NaN;
}
