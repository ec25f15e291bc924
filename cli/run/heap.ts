import { setFlagsFromString } from 'node:v8';

/**
 * Keeps the young generation of this process at its initial size for a `mailferry run`.
 *
 * V8 grows the young generation (where a request's short-lived objects live) to up to three
 * 16 MB semi-spaces when a process allocates fast, as the copy does, and never gives the memory
 * back during a run: that is a good part of the run's peak resident memory. Its maximum size is
 * fixed when node starts (`--max-semi-space-size`, which the `mailferry` bin cannot pass), but the
 * growth factor is read each time V8 considers growing it, so a factor of 1 keeps it where it
 * started. Message bodies are Buffers outside this heap, so the copy's scavenges stay small.
 * Set before the runtime loads, so that module loading allocates under the same rule.
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
