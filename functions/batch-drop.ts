import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { services } from '../shared/app/services';
import { claimBlob } from '../shared/batches/claim';
import { BATCH_DROP_CONTAINER } from '../shared/batches/containers';
import { ingestBatch } from '../shared/batches/ingest';
import { registrationSettings } from '../shared/config/registration';
import { runBatchAction } from '../shared/batches/lifecycle';
import { orchestrationPort } from './durable-port';
import { logFor } from './log';

/**
 * A CSV dropped into `migration-batches` becomes a batch named after the file and starts at once.
 * The file is claimed first (an API call naming it as csvBlob may be taking it: only one of them
 * makes a batch, see shared/batches/claim.ts), and removed whatever happens next, a failure
 * included (it may hold passwords; the batch keeps a copy without them); a CSV with problems gives
 * a Failed batch and `<name>.errors.json` beside where the file was.
 */
df.app.client.storageBlob('batchDrop', {
  path: `${BATCH_DROP_CONTAINER}/{name}.csv`,
  connection: 'AzureWebJobsStorage',
  source: registrationSettings().blobTriggerSource,
  handler: async (blob: unknown, client: df.DurableClient, context: InvocationContext) => {
    const name = String(context.triggerMetadata?.name ?? 'batch');
    const log = logFor(context);
    const svc = services();
    const container = svc.blobs.getContainerClient(BATCH_DROP_CONTAINER);
    const claim = await claimBlob(container.getBlobClient(`${name}.csv`));
    if (claim === 'gone' || claim === 'claimed-elsewhere') {
      log.info({ name, claim }, 'batch CSV already taken by an API call; nothing to do');
      return;
    }
    try {
      let report: unknown;
      try {
        const { batch, problems } = await ingestBatch(svc, blob as Buffer, { name });
        if (problems.length === 0) await runBatchAction(svc, orchestrationPort(client), batch.id, 'start');
        report = problems.length ? { batchId: batch.id, status: batch.status, errors: problems } : undefined;
        log.info(
          { batchId: batch.id, name, problems: problems.length },
          problems.length ? 'batch CSV has problems' : 'batch started',
        );
      } catch (e) {
        const error = e as { code?: string; message?: string };
        report = { errors: [{ code: error.code ?? 'INGEST_FAILED', message: error.message ?? String(e) }] };
        log.error({ name, code: error.code }, `batch drop failed: ${error.message ?? String(e)}`);
      }
      if (report) {
        const text = JSON.stringify(report, null, 2);
        await container.getBlockBlobClient(`${name}.errors.json`).upload(text, Buffer.byteLength(text), {
          blobHTTPHeaders: { blobContentType: 'application/json' },
        });
      }
    } finally {
      await claim.finish();
    }
  },
});
