import { setFlagsFromString } from 'node:v8';

/**
 * Keeps this process's young generation small for a `mailferry run`, which runs beside Azurite on
 * the user's machine.
 *
 * V8 grows the young generation (where a request's short-lived objects live) to up to three
 * 16 MB semi-spaces when a process allocates fast, as the copy does, and keeps them for the run.
 * Its maximum is fixed when node starts (`--max-semi-space-size`, which the `mailferry` bin cannot
 * pass), but the growth factor is read each time V8 considers growing it: a factor of 1 keeps it
 * at its initial size. Message bodies are Buffers outside this heap, so the copy's scavenges stay
 * small. Set before the runtime loads, so that module loading allocates under the same rule. (Node
 * documents that a flag set after start may do nothing; the benchmark's RSS figures show this one
 * applies: judy's peak 255–261 → 231–236 MB, copy time unchanged.)
 *
 * Not done here, measured: `--heap-growing-percent=10` (the old generation grows by 10% after a
 * full collection instead of up to 2×) takes the peak to ~170 MB, but made judy's copy ~30%
 * slower (more full collections), which the copy-speed target cannot afford.
 */
export function keepHeapSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
