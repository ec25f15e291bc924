import * as df from 'durable-functions';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { services } from '../shared/app/services';
import { ingestBatch } from '../shared/batches/ingest';
import { mailboxKey, skippedItemsOf } from '../shared/migration/skipped';
import { PimState } from '../shared/pim/state';
import { withHint } from '../shared/domain/codes';
import { allowedActions, type Mailbox } from '../shared/state';
import { runBatchAction } from '../shared/batches/lifecycle';
import { orchestrationPort } from './durable-port';
import { readUpload } from './batch-upload';
import { answering, json } from './http-answers';
import { actionParams, batchParams, mailboxPageParams, mailboxParams, parseParams } from './route-params';

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
    const started = batch.options.autoStart
      ? await runBatchAction(svc, orchestrationPort(client), batch.id, 'start')
      : batch;
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
      const { id } = parseParams(request, batchParams);
      const batch = await svc.state.batches.get(id);
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
      const { id, pageSize, continuationToken } = parseParams(request, mailboxPageParams);
      const page = await services().state.mailboxes.list(id, { pageSize, continuationToken });
      return json(200, { ...page, items: page.items.map(withErrorHint) });
    }),
});

df.app.client.http('batchesMailbox', {
  route: 'api/batches/{id}/mailboxes/{email}',
  methods: ['GET'],
  authLevel: 'function',
  handler: async (request, _client, context) =>
    answering(context, async () => {
      const svc = services();
      const { id, email } = parseParams(request, mailboxParams);
      const mailbox = await svc.state.mailboxes.get(id, email);
      const skippedItems = mailbox.itemsSkipped > 0 ? await skippedItemsOf(svc, id, mailbox.email) : [];
      // Contacts and calendar items left out (or migrated with a loss), each with its code and reason.
      const pimSkippedItems =
        (mailbox.pimSkipped ?? 0) > 0 || mailbox.contactsSynced || mailbox.eventsSynced
          ? await new PimState(svc.storage, mailboxKey(id, mailbox.email)).listSkipped()
          : [];
      return json(200, { mailbox: withErrorHint(mailbox), skippedItems, pimSkippedItems });
    }),
});

df.app.client.http('batchesAction', {
  route: 'api/batches/{id}/{action:regex(^(start|stop|complete|sync)$)}',
  authLevel: 'function',
  methods: ['POST'],
  handler: async (request, client, context) =>
    answering(context, async () => {
      const { id, action } = parseParams(request, actionParams);
      const batch = await runBatchAction(services(), orchestrationPort(client), id, action);
      return json(202, { batch, allowedActions: allowedActions(batch.status) });
    }),
});

df.app.client.http('batchesRemove', {
  route: 'api/batches/{id}',
  authLevel: 'function',
  methods: ['DELETE'],
  handler: async (request, client, context) =>
    answering(context, async () => {
      const { id } = parseParams(request, batchParams);
      const batch = await runBatchAction(services(), orchestrationPort(client), id, 'remove');
      return json(202, { batch });
    }),
});

/** A mailbox's last error with what to do about it, so every page shows code, what and what to do. */
function withErrorHint(m: Mailbox): Mailbox {
  return m.lastError ? { ...m, lastError: withHint(m.lastError) } : m;
}
