import { app } from '@azure/functions';
import { z } from 'zod';
import { services } from '../shared/app/services';
import { CodedError } from '../shared/domain/errors';
import type { BatchStatus } from '../shared/domain/statuses';
import { planBatchPage } from '../shared/plan/batch-plan';
import { DEFAULT_PLAN_PAGE, MAX_PLAN_PAGE } from '../shared/plan/limits';
import { allowedActions } from '../shared/state';
import { mergeBatchOptions } from '../shared/state/model';
import { answering, invalidBody, json } from './http-answers';
import { batchParams, parseParams } from './route-params';

/**
 * Planning a batch before (or between) its passes:
 * - `POST /api/batches/{id}/plan`: the dry run of one page of mailboxes (per folder: where it
 *   lands, messages and bytes, what the limits and filters leave out, an estimated time). Nothing is
 *   written to the target. Page with `continuationToken` from the answer until it has none.
 * - `PATCH /api/batches/{id}/options`: change options of an existing batch, e.g. drop `before`
 *   for the final pass after pre-staging old mail; `null` clears an option.
 */

/** A batch on its way out (or done) has nothing left to plan or change. */
const CLOSED: ReadonlySet<BatchStatus> = new Set(['Completed', 'CompletedWithErrors', 'Removing']);

const planBody = z
  .object({
    pageSize: z.number().int().min(1).max(MAX_PLAN_PAGE).default(DEFAULT_PLAN_PAGE),
    continuationToken: z.string().min(1).optional(),
    /** Estimate at this rate instead of the measured one. */
    bytesPerMinute: z.number().int().positive().optional(),
  })
  .strict();

/** An empty body is an empty object; a body that is not JSON is refused by the schema. */
async function jsonBody(text: string): Promise<unknown> {
  if (!text.trim()) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function closed(id: string, status: BatchStatus, what: string): CodedError {
  return new CodedError(
    'BATCH_CLOSED',
    `Batch ${id} is ${status}: ${what} is only possible before it is completed.`,
    {
      status,
    },
  );
}

app.http('batchesPlan', {
  route: 'api/batches/{id}/plan',
  methods: ['POST'],
  authLevel: 'function',
  handler: async (request, context) =>
    answering(context, async () => {
      const svc = services();
      const { id } = parseParams(request, batchParams);
      const body = planBody.safeParse(await jsonBody(await request.text()));
      if (!body.success) return invalidBody(body.error);
      const batch = await svc.state.batches.get(id);
      if (CLOSED.has(batch.status)) throw closed(batch.id, batch.status, 'a plan');
      return json(200, await planBatchPage(svc, batch.id, body.data));
    }),
});

app.http('batchesOptions', {
  route: 'api/batches/{id}/options',
  methods: ['PATCH'],
  authLevel: 'function',
  handler: async (request, context) =>
    answering(context, async () => {
      const svc = services();
      const { id } = parseParams(request, batchParams);
      const patch = z.record(z.string(), z.unknown()).safeParse(await jsonBody(await request.text()));
      if (!patch.success) return invalidBody(patch.error);
      const batch = await svc.state.batches.update(id, (current) => {
        if (CLOSED.has(current.status)) throw closed(current.id, current.status, 'changing its options');
        const merged = mergeBatchOptions(current.options, patch.data);
        if (!merged.success) {
          const issue = merged.error.issues[0];
          const field = ['options', ...(issue?.path ?? []).map(String)].join('.');
          throw new CodedError('BATCH_INVALID', `${field}: ${issue?.message ?? 'is invalid'}`, { field });
        }
        return { options: merged.data };
      });
      return json(200, { batch, allowedActions: allowedActions(batch.status) });
    }),
});
