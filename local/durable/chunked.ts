/**
 * Table Storage caps a string property at 64 KiB (32K UTF-16 characters) and an entity at 1 MiB.
 * Long JSON (inputs, outputs, history episodes) is therefore split across numbered properties.
 */
const CHUNK_CHARS = 30_000;
/** Stays under 1 MiB per entity with room for the other properties. */
export const MAX_CHUNKS_PER_ENTITY = 15;
export const MAX_CHARS_PER_ENTITY = CHUNK_CHARS * MAX_CHUNKS_PER_ENTITY;

export function putChunks(entity: Record<string, unknown>, prefix: string, value: string | undefined): void {
  if (value === undefined) {
    entity[`${prefix}N`] = -1;
    return;
  }
  const n = Math.max(1, Math.ceil(value.length / CHUNK_CHARS));
  if (n > MAX_CHUNKS_PER_ENTITY)
    throw new Error(`value for ${prefix} is too large for one entity (${value.length} chars)`);
  entity[`${prefix}N`] = n;
  for (let i = 0; i < n; i++) entity[`${prefix}${i}`] = value.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
}

export function getChunks(entity: Record<string, unknown>, prefix: string): string | undefined {
  const n = entity[`${prefix}N`];
  if (typeof n !== 'number' || n < 0) return undefined;
  let out = '';
  for (let i = 0; i < n; i++) out += String(entity[`${prefix}${i}`] ?? '');
  return out;
}

/** Splits a long string into pieces that each fit one entity's chunked properties. */
export function splitForEntities(value: string): string[] {
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += MAX_CHARS_PER_ENTITY)
    parts.push(value.slice(i, i + MAX_CHARS_PER_ENTITY));
  return parts.length ? parts : [''];
}
