import type { TableClient } from '@azure/data-tables';
import pLimit from 'p-limit';
import { z } from 'zod';
import type { ProblemDetail } from '../domain/errors';
import { httpStatusOf, stateError } from './errors';
import { parseEntity } from './codec';
import { BATCHES_PARTITION, prefixUpperBound, validationChunkPrefix, validationChunkRowKey } from './keys';
import { MAX_STRING_PROPERTY, PARTITION_WRITE_CONCURRENCY, TABLE_NAMES } from './limits';

/**
 * A batch's CSV problems (any number) as JSON text cut into slices that each fit one string
 * property, stored as rows `verr:<id>:<generation>:<n>` beside the batch row. A new list goes under
 * a new generation; the batch row says which generation is current (batches.ts switches it with one
 * conditional update), so a reader never sees a mix of two lists.
 */

/** Writes the slices of `errors` under `generation` (no reader points there yet); answers how many. */
export async function writeErrorSlices(
  table: TableClient,
  id: string,
  generation: number,
  errors: readonly ProblemDetail[],
): Promise<number> {
  const slices = errors.length > 0 ? sliceText(JSON.stringify(errors)) : [];
  const limit = pLimit(PARTITION_WRITE_CONCURRENCY);
  await Promise.all(
    slices.map((text, n) =>
      limit(() =>
        table.upsertEntity(
          { partitionKey: BATCHES_PARTITION, rowKey: validationChunkRowKey(id, generation, n), text },
          'Replace',
        ),
      ),
    ),
  );
  return slices.length;
}

/** The problems stored under `generation` in `chunks` slices, in their stored order. */
export async function readErrorSlices(
  table: TableClient,
  id: string,
  generation: number,
  chunks: number,
): Promise<ProblemDetail[]> {
  const prefix = validationChunkPrefix(id, generation);
  const parts: string[] = [];
  const filter = `PartitionKey eq '${BATCHES_PARTITION}' and RowKey ge '${prefix}' and RowKey lt '${prefixUpperBound(prefix)}'`;
  for await (const raw of table.listEntities<{ text?: unknown }>({ queryOptions: { filter } })) {
    parts.push(typeof raw.text === 'string' ? raw.text : '');
  }
  const where = { table: TABLE_NAMES.batches, partitionKey: BATCHES_PARTITION, rowKey: prefix };
  if (parts.length !== chunks) {
    throw stateError(
      'STATE_CORRUPT_ENTITY',
      `Validation errors of batch ${id} are incomplete (${parts.length} of ${chunks} parts).`,
      where,
    );
  }
  return parseEntity(
    z.array(z.looseObject({ code: z.string(), message: z.string() })),
    safeJson(parts.join('')),
    where,
  );
}

/** Deletes the batch's slices whose row key `which` selects (an old generation, or all). */
export async function deleteErrorSlices(
  table: TableClient,
  id: string,
  which: (rowKey: string) => boolean,
): Promise<void> {
  const prefix = validationChunkPrefix(id);
  const filter = `PartitionKey eq '${BATCHES_PARTITION}' and RowKey ge '${prefix}' and RowKey lt '${prefixUpperBound(prefix)}'`;
  const doomed: string[] = [];
  for await (const raw of table.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) {
    if (which(String(raw.rowKey))) doomed.push(String(raw.rowKey));
  }
  const limit = pLimit(PARTITION_WRITE_CONCURRENCY);
  await Promise.all(
    doomed.map((rowKey) =>
      limit(() =>
        table.deleteEntity(BATCHES_PARTITION, rowKey).catch((e: unknown) => {
          if (httpStatusOf(e) !== 404) throw e;
        }),
      ),
    ),
  );
}

/** Splits text into slices that fit one string property, never between the halves of a surrogate pair. */
function sliceText(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length;) {
    let end = Math.min(text.length, i + MAX_STRING_PROPERTY);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
