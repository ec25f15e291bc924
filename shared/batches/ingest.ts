import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Services } from '../app/services';
import { parseBatchCsv, redactPasswords, type BatchRow } from '../csv';
import { CodedError, type ProblemDetail } from '../domain/errors';
import { batchMailboxSecretName, batchSecretPrefix, secretRef } from '../secrets/refs';
import { batchOptionsInputSchema, type Batch } from '../state';
import { mailboxRowKey } from '../state/keys';
import { BATCH_FILES_CONTAINER, DEFAULT_SOURCE_ENDPOINT, DEFAULT_TARGET_ENDPOINT } from './containers';
import { sealStagedSecrets } from './staged-secrets';
import { claimAddresses, INACTIVE_BATCH_STATUSES, releaseAddressKeys } from './address-claims';

/**
 * Turns a batch CSV into a batch: validates it (every problem at once, including addresses already in
 * another active batch), seals the passwords for the secret store (stored by the first run, see
 * staged-secrets.ts), keeps a password-free copy of the file and creates one mailbox row per CSV row.
 * A CSV with problems still becomes a batch, in status Failed, whose validation errors the API shows:
 * an administrator who dropped a file always finds out what happened to it. An upload repeated
 * (a retry after a timeout) answers with the batch the first attempt made.
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
  // The same upload (name, settings, file) always gets the same batch id: a retry after a timeout
  // finds the batch its first attempt made instead of failing with BATCH_NAME_TAKEN.
  const id = uploadBatchId(req, csv);
  const earlier = await svc.state.batches.find(id);
  if (earlier) return { batch: earlier, problems: await svc.state.batches.getValidationErrors(id) };
  const holder = await svc.state.batches.findByName(req.name);
  if (holder) throw nameTaken(req.name);

  const parsed = parseBatchCsv(csv, {
    allowUnknownColumns: req.options.allowUnknownColumns ?? false,
    defaults: { forceChangePassword: req.options.forceChangePassword },
  });
  const problems = parsed.ok ? await addressesInActiveBatches(svc, parsed.rows) : parsed.errors;
  if (!parsed.ok || problems.length) return failedBatch(svc, id, req, problems);
  // The scan above names the batches made before address claims existed; the claims close the
  // race between two uploads of the same address running at once.
  const claimed = await claimAddresses(svc, { id, name: req.name }, parsed.rows);
  if (claimed.length) return failedBatch(svc, id, req, claimed);

  // Everything but the batch row first: mailbox rows under the new id (no batch points at them
  // yet), the password-free copy of the file and the sealed passwords. The batch row and its name
  // then appear in one transaction: a batch is there whole, or not at all.
  const secrets = parsed.rows.flatMap((row) =>
    row.password ? [[batchMailboxSecretName(id, row.emailAddress), row.password] as const] : [],
  );
  await svc.state.mailboxes.addMany(
    id,
    parsed.rows.map((row) => ({
      email: row.emailAddress,
      status: 'Queued' as const,
      userName: row.userName,
      userRoot: row.userRoot,
      passwordRef: row.password ? secretRef(batchMailboxSecretName(id, row.emailAddress)) : undefined,
      forceChangePassword: row.forceChangePassword,
    })),
  );
  const csvBlob = `${id}/batch.csv`;
  const container = svc.blobs.getContainerClient(BATCH_FILES_CONTAINER);
  await container.createIfNotExists();
  const copy = Buffer.from(redactPasswords(csv), 'utf8');
  await container
    .getBlockBlobClient(csvBlob)
    .uploadData(copy, { blobHTTPHeaders: { blobContentType: 'text/csv' } });
  await sealStagedSecrets(svc, id, secrets);
  try {
    const batch = await svc.state.batches.create({
      id,
      name: req.name,
      sourceEndpoint: req.sourceEndpoint,
      target: req.target,
      options: req.options,
      csvBlob,
    });
    return { batch: await svc.state.batches.get(batch.id), problems: [] };
  } catch (e) {
    return await settleRace(svc, id, e);
  }
}

/** A CSV with problems still becomes a batch (Failed) whose problems the API shows. */
async function failedBatch(
  svc: Services,
  id: string,
  req: z.output<typeof ingestRequestSchema>,
  problems: ProblemDetail[],
): Promise<IngestResult> {
  try {
    const batch = await svc.state.batches.create({
      id,
      name: req.name,
      sourceEndpoint: req.sourceEndpoint,
      target: req.target,
      options: req.options,
      status: 'Failed',
      lastError: {
        code: 'CSV_INVALID',
        message: `The CSV has ${problems.length} problem(s); fix the rows listed in the batch's validation errors and upload it again.`,
      },
    });
    return { batch: await svc.state.batches.setValidationErrors(batch.id, problems), problems };
  } catch (e) {
    return await settleRace(svc, id, e);
  }
}

/**
 * The batch row could not be created. The same upload running twice at once: the other attempt
 * made it, answer with it. Another batch took the name meanwhile: remove what this attempt wrote.
 */
async function settleRace(svc: Services, id: string, error: unknown): Promise<IngestResult> {
  const made = await svc.state.batches.find(id);
  if (made) return { batch: made, problems: await svc.state.batches.getValidationErrors(id) };
  if ((error as { code?: string }).code === 'BATCH_NAME_TAKEN') {
    const keys: string[] = [];
    for await (const key of svc.state.mailboxes.addressKeys(id)) keys.push(key);
    await releaseAddressKeys(svc, id, keys);
    await svc.state.mailboxes.deleteAll(id);
    await svc.secrets.deletePrefix(batchSecretPrefix(id));
    const container = svc.blobs.getContainerClient(BATCH_FILES_CONTAINER);
    for await (const blob of container.listBlobsFlat({ prefix: `${id}/` }))
      await container.deleteBlob(blob.name);
  }
  throw error;
}

/**
 * The rows whose address is already in a batch that may still copy it: migrating one mailbox in two
 * batches at once would copy it twice. Each active batch's addresses are read once (keys only).
 */
async function addressesInActiveBatches(svc: Services, rows: readonly BatchRow[]): Promise<ProblemDetail[]> {
  const active = (await svc.state.batches.list()).filter((b) => !INACTIVE_BATCH_STATUSES.has(b.status));
  if (!active.length) return [];
  const wanted = new Map(rows.map((r) => [mailboxRowKey(r.emailAddress), r]));
  const problems: ProblemDetail[] = [];
  for (const other of active) {
    for await (const key of svc.state.mailboxes.addressKeys(other.id)) {
      const row = wanted.get(key);
      if (!row) continue;
      wanted.delete(key);
      problems.push({
        code: 'MAILBOX_IN_ACTIVE_BATCH',
        message: `Row ${row.line}: ${row.emailAddress} is already in batch "${other.name}" (${other.status}). Complete or remove that batch first, or leave this row out.`,
        row: row.line,
        column: 'EmailAddress',
        email: row.emailAddress,
        otherBatch: { id: other.id, name: other.name, status: other.status },
      });
    }
  }
  return problems.sort((a, b) => Number(a.row) - Number(b.row));
}

function nameTaken(name: string): CodedError {
  return new CodedError(
    'BATCH_NAME_TAKEN',
    `A batch named "${name}" already exists (names ignore case); choose another name.`,
    { name },
  );
}

/** A batch id from the upload's content: 12 characters of [a-z0-9] from a SHA-256 of name, settings and file. */
function uploadBatchId(req: z.output<typeof ingestRequestSchema>, csv: Buffer): string {
  const hash = createHash('sha256')
    .update(
      JSON.stringify([
        req.name.trim().normalize('NFC').toLowerCase(),
        req.sourceEndpoint,
        req.target,
        req.options,
      ]),
    )
    .update('\n')
    .update(csv)
    .digest();
  let id = '';
  for (const byte of hash) {
    if (byte >= 252) continue; // keeps every character equally likely (252 = 7 x 36)
    id += ID_ALPHABET[byte % 36];
    if (id.length === 12) break;
  }
  return id;
}
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
