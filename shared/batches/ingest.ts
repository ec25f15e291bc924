import { z } from 'zod';
import type { Services } from '../app/services';
import { parseBatchCsv, redactPasswords } from '../csv';
import { CodedError, type ProblemDetail } from '../domain/errors';
import { batchMailboxSecretName, secretRef } from '../secrets/refs';
import { batchOptionsInputSchema, type Batch } from '../state';
import { BATCH_FILES_CONTAINER, DEFAULT_SOURCE_ENDPOINT, DEFAULT_TARGET_ENDPOINT } from './containers';

/**
 * Turns a batch CSV into a batch: validates it (every problem at once), moves the passwords into the
 * secret store, keeps a password-free copy of the file and creates one mailbox row per CSV row.
 * A CSV with problems still becomes a batch, in status Failed, whose validation errors the API shows:
 * an administrator who dropped a file always finds out what happened to it.
 */
export const ingestRequestSchema = z
  .object({
    name: z.string().min(1),
    sourceEndpoint: z.string().min(1).default(DEFAULT_SOURCE_ENDPOINT),
    target: z.string().min(1).default(DEFAULT_TARGET_ENDPOINT),
    options: batchOptionsInputSchema.prefault({}),
  })
  .strict();
export type IngestRequest = z.input<typeof ingestRequestSchema>;

export interface IngestResult {
  batch: Batch;
  /** Validation problems; empty when the batch was created for migration. */
  problems: ProblemDetail[];
}

export async function ingestBatch(svc: Services, csv: Buffer, request: IngestRequest): Promise<IngestResult> {
  const parsedRequest = ingestRequestSchema.safeParse(request);
  if (!parsedRequest.success) {
    const issue = parsedRequest.error.issues[0];
    throw new CodedError(
      'BATCH_REQUEST_INVALID',
      `${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'}`,
      {
        field: issue?.path.join('.'),
      },
    );
  }
  const req = parsedRequest.data;
  const parsed = parseBatchCsv(csv, {
    allowUnknownColumns: req.options.allowUnknownColumns ?? false,
    defaults: { forceChangePassword: req.options.forceChangePassword },
  });

  if (!parsed.ok) {
    const batch = await svc.state.batches.create({
      name: req.name,
      sourceEndpoint: req.sourceEndpoint,
      target: req.target,
      options: req.options,
      status: 'Failed',
      lastError: {
        code: 'CSV_INVALID',
        message: `The CSV has ${parsed.errors.length} problem(s); fix the rows listed in the batch's validation errors and upload it again.`,
      },
    });
    await svc.state.batches.setValidationErrors(batch.id, parsed.errors);
    return { batch, problems: parsed.errors };
  }

  const batch = await svc.state.batches.create({
    name: req.name,
    sourceEndpoint: req.sourceEndpoint,
    target: req.target,
    options: req.options,
  });
  const secrets = parsed.rows.flatMap((row) =>
    row.password ? [[batchMailboxSecretName(batch.id, row.emailAddress), row.password] as const] : [],
  );
  if (secrets.length) await svc.secrets.setMany(secrets);
  const csvBlob = `${batch.id}/batch.csv`;
  const container = svc.blobs.getContainerClient(BATCH_FILES_CONTAINER);
  await container.createIfNotExists();
  const copy = Buffer.from(redactPasswords(csv), 'utf8');
  await container
    .getBlockBlobClient(csvBlob)
    .uploadData(copy, { blobHTTPHeaders: { blobContentType: 'text/csv' } });
  await svc.state.mailboxes.addMany(
    batch.id,
    parsed.rows.map((row) => ({
      email: row.emailAddress,
      status: 'Queued' as const,
      userName: row.userName,
      userRoot: row.userRoot,
      passwordRef: row.password ? secretRef(batchMailboxSecretName(batch.id, row.emailAddress)) : undefined,
      forceChangePassword: row.forceChangePassword,
    })),
  );
  const updated = await svc.state.batches.update(batch.id, () => ({ csvBlob }));
  return { batch: updated, problems: [] };
}
