import * as df from 'durable-functions';
import { z } from 'zod';
import { services } from '../shared/app/services';
import { CodedError } from '../shared/domain/errors';
import { CLOSED_STATUSES, startPlan } from '../shared/plan/plan-run';
import { PlanStore, type PlanStatus } from '../shared/plan/plan-store';
import type { OrchestrationPort } from '../shared/workflow/port';
import { allowedActions } from '../shared/state';
import { mergeBatchOptions } from '../shared/state/model';
import { orchestrationPort } from './durable-port';
import { answering, invalidBody, json } from './http-answers';
import { batchParams, parseParams } from './route-params';

/**
 * Planning a batch before (or between) its passes:
 * - `POST /api/batches/{id}/plan` starts the dry run as a durable run and answers 202 at once: per
 *   mailbox and folder, where it lands, messages and bytes, what the limits and the date window
 *   leave out, an estimated time. Nothing is written to the target.
 * - `GET /api/batches/{id}/plan?page=N` answers the run's progress and its N-th page of mailboxes.
 * - `PATCH /api/batches/{id}/options` changes options of an existing batch, e.g. drops `before`
 *   for the final pass after pre-staging old mail; `null` clears an option.
 */
const startBody = z
  .object({
    /** Estimate at this rate (bytes per minute) instead of the measured one. */
    bytesPerMinute: z.number().int().positive().optional(),
  })
  .strict();

const pageParams = batchParams.extend({ page: z.coerce.number().int().min(1).max(100_000).default(1) });

/** An empty body is an empty object; a body that is not JSON fails the schema. */
function jsonBody(text: string): unknown {
  if (!text.trim()) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The status as the API shows it: a run whose orchestration ended without finishing is Failed. */
async function current(status: PlanStatus, port: OrchestrationPort) {
  const stopped = status.state === 'Running' && !(await port.isRunning(status.instanceId));
  const planned = status.pages.reduce((n, p) => n + p, 0);
  const { instanceId: _instance, pages, ...rest } = status;
  return {
    ...rest,
    pages: pages.length,
    planned,
    ...(stopped
      ? {
          state: 'Failed' as const,
          error: {
            code: 'PLAN_FAILED',
            message: `The plan stopped after ${planned} mailbox(es); the service log says why.`,
          },
        }
      : {}),
  };
}

df.app.client.http('batchesPlanStart', {
  route: 'api/batches/{id}/plan',
  methods: ['POST'],
  authLevel: 'function',
  handler: async (request, client, context) =>
    answering(context, async () => {
      const svc = services();
      const { id } = parseParams(request, batchParams);
      const body = startBody.safeParse(jsonBody(await request.text()));
      if (!body.success) return invalidBody(body.error);
      const port = orchestrationPort(client);
      const status = await startPlan(svc, port, id, body.data.bytesPerMinute);
      return json(202, { plan: await current(status, port) });
    }),
});

df.app.client.http('batchesPlanGet', {
  route: 'api/batches/{id}/plan',
  methods: ['GET'],
  authLevel: 'function',
  handler: async (request, client, context) =>
    answering(context, async () => {
      const svc = services();
      const { id, page } = parseParams(request, pageParams);
      const batch = await svc.state.batches.get(id);
      const store = new PlanStore(svc.blobs);
      const status = await store.status(batch.id);
      if (!status)
        throw new CodedError('PLAN_NOT_FOUND', `Batch ${batch.id} has not been planned yet.`, {
          batchId: batch.id,
        });
      const plan = await current(status, orchestrationPort(client));
      const shown = page <= plan.pages ? await store.page(batch.id, status.planId, page) : undefined;
      return json(200, {
        plan,
        page,
        ...(shown
          ? {
              window: shown.window,
              mirrorDeletions: shown.mirrorDeletions,
              rate: shown.rate,
              mailboxes: shown.mailboxes,
              ...(page < plan.pages || shown.continuationToken ? { nextPage: page + 1 } : {}),
            }
          : { mailboxes: [] }),
      });
    }),
});

df.app.client.http('batchesOptions', {
  route: 'api/batches/{id}/options',
  methods: ['PATCH'],
  authLevel: 'function',
  handler: async (request, _client, context) =>
    answering(context, async () => {
      const svc = services();
      const { id } = parseParams(request, batchParams);
      const patch = z.record(z.string(), z.unknown()).safeParse(jsonBody(await request.text()));
      if (!patch.success) return invalidBody(patch.error);
      const batch = await svc.state.batches.update(id, (now) => {
        if (CLOSED_STATUSES.has(now.status))
          throw new CodedError(
            'BATCH_CLOSED',
            `Batch ${now.id} is ${now.status}: its options can only change before it is completed.`,
            { status: now.status },
          );
        const merged = mergeBatchOptions(now.options, patch.data);
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
