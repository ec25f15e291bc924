import * as df from 'durable-functions';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { services } from '../shared/app/services';
import { ingestBatch } from '../shared/batches/ingest';
import { mailboxKey, skippedItemsOf } from '../shared/migration/skipped';
import { PimState } from '../shared/pim/state';
import { allowedActions, BATCH_ACTIONS, MAX_PAGE_SIZE, type BatchAction } from '../shared/state';
import { runBatchAction } from './batch-actions';
import { readUpload } from './batch-upload';
import { answering, json, problem } from './http-answers';

/**
 * The batch API: create from a CSV, list, show, page through mailboxes, and the lifecycle commands
 * (start, stop, complete, sync, remove). How a new batch may be sent: see batch-upload.ts.
 */
function createBatch(
  request: HttpRequest,
  client: df.DurableClient,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return answering(context, async () => {
    const svc = services();
    const upload = await readUpload(svc, request);
    const { batch, problems } = await ingestBatch(svc, upload.csv, upload.request);
    if (problems.length) {
      return json(422, {
        code: 'CSV_INVALID',
        message: `The CSV has ${problems.length} problem(s); fix the listed rows and upload it again.`,
        batch,
        errors: problems,
      });
    }
    const started = batch.options.autoStart ? await runBatchAction(svc, client, batch.id, 'start') : batch;
    return json(201, { batch: started, allowedActions: allowedActions(started.status) });
  });
}

df.app.client.http('batchesCreate', {
  route: 'api/batches',
  methods: ['POST'],
  authLevel: 'function',
  handler: createBatch,
});

df.app.client.http('batchesList', {
  route: 'api/batches',
  authLevel: 'function',
  methods: ['GET'],
  handler: async (_request, _client, context) =>
    answering(context, async () => {
      const batches = await services().state.batches.list();
      return json(200, { batches: batches.map((b) => ({ ...b, allowedActions: allowedActions(b.status) })) });
    }),
});

df.app.client.http('batchesGet', {
  route: 'api/batches/{id}',
  authLevel: 'function',
  methods: ['GET'],
  handler: async (request, _client, context) =>
    answering(context, async () => {
      const svc = services();
      const batch = await svc.state.batches.get(request.params.id as string);
      const validationErrors = batch.validationErrorCount
        ? await svc.state.batches.getValidationErrors(batch.id)
        : [];
      return json(200, { batch, allowedActions: allowedActions(batch.status), validationErrors });
    }),
});

df.app.client.http('batchesMailboxes', {
  route: 'api/batches/{id}/mailboxes',
  authLevel: 'function',
  methods: ['GET'],
  handler: async (request, _client, context) =>
    answering(context, async () => {
      const pageSize = Math.min(Number(request.query.get('pageSize') ?? 100) || 100, MAX_PAGE_SIZE);
      const page = await services().state.mailboxes.list(request.params.id as string, {
        pageSize,
        continuationToken: request.query.get('continuationToken') ?? undefined,
      });
      return json(200, page);
    }),
});

df.app.client.http('batchesMailbox', {
  route: 'api/batches/{id}/mailboxes/{email}',
  methods: ['GET'],
  authLevel: 'function',
  handler: async (request, _client, context) =>
    answering(context, async () => {
      const svc = services();
      const id = request.params.id as string;
      const mailbox = await svc.state.mailboxes.get(id, request.params.email as string);
      const skippedItems = mailbox.itemsSkipped > 0 ? await skippedItemsOf(svc, id, mailbox.email) : [];
      // Contacts and calendar items left out (or migrated with a loss), each with its code and reason.
      const pimSkippedItems =
        (mailbox.pimSkipped ?? 0) > 0 || mailbox.contactsSynced || mailbox.eventsSynced
          ? await new PimState(svc.storage, mailboxKey(id, mailbox.email)).listSkipped()
          : [];
      return json(200, { mailbox, skippedItems, pimSkippedItems });
    }),
});

df.app.client.http('batchesAction', {
  route: 'api/batches/{id}/{action:regex(^(start|stop|complete|sync)$)}',
  authLevel: 'function',
  methods: ['POST'],
  handler: async (request, client, context) =>
    answering(context, async () => {
      const action = request.params.action as BatchAction;
      if (!BATCH_ACTIONS.includes(action)) return problem(404, 'NOT_FOUND', `Unknown action ${action}.`);
      const batch = await runBatchAction(services(), client, request.params.id as string, action);
      return json(202, { batch, allowedActions: allowedActions(batch.status) });
    }),
});

df.app.client.http('batchesRemove', {
  route: 'api/batches/{id}',
  authLevel: 'function',
  methods: ['DELETE'],
  handler: async (request, client, context) =>
    answering(context, async () => {
      const batch = await runBatchAction(services(), client, request.params.id as string, 'remove');
      return json(202, { batch });
    }),
});
