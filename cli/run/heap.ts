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
 * Not done here, measured: `--heap-growing-percent=N` (the old generation grows by N% after a
 * full collection instead of up to 2×) trades speed for memory. With the FETCH reader and the
 * packed item index (less garbage), alternating runs on an idle machine: the ten-mailbox batch at
 * 10% peaks at 187–196 MB instead of 241–258 MB but takes 5.9–6.0 s instead of 5.1–5.5 s (30%:
 * 191–201 MB, 5.7–5.9 s; 60%: 214–216 MB, 5.6 s); judy at 10%: 171–179 MB instead of 213–229 MB,
 * 3.6–3.8 s instead of 3.1–3.2 s. The copy's speed is kept.
 */
export function keepHeapSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
