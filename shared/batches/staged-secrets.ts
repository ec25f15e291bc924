import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Services } from '../app/services';
import { batchSecretPrefix } from '../secrets/refs';
import { BATCH_FILES_CONTAINER } from './containers';
import { readWholeBlob } from '../storage/read-blob';

/**
 * The CSV passwords of a new batch go to the secret store after the upload was answered, not while
 * the uploader waits: Key Vault takes a few hundred writes a second at best, so 50,000 of them do
 * not fit in one HTTP request. The ingest seals them (AES-256-GCM) into one blob of the batch,
 * `batches/{batchId}/passwords.sealed`, and keeps only the sealing key in the secret store (one
 * write). The batch's first run stores them chunk by chunk (storeStagedSecrets, an activity the
 * orchestrator repeats until done); re-storing a chunk writes the same values again, so a retried
 * chunk is harmless. When all are stored, the sealed blob and its key are deleted. The blob holds
 * no readable password: without the key in the secret store it is noise.
 */
export const SEALED_PASSWORDS_BLOB = 'passwords.sealed';
/** Secrets written per activity call: well inside an activity's time limit at Key Vault's pace. */
export const STAGED_SECRETS_PER_CALL = 1000;

const sealedBlobName = (batchId: string): string => `${batchId}/${SEALED_PASSWORDS_BLOB}`;
const sealingKeyName = (batchId: string): string => `${batchSecretPrefix(batchId)}sealing-key`;

interface Sealed {
  v: 1;
  iv: string;
  tag: string;
  data: string;
}

/** Seals the batch's `[secretName, password]` pairs into its blob; the key goes to the secret store. */
export async function sealStagedSecrets(
  svc: Services,
  batchId: string,
  entries: ReadonlyArray<readonly [string, string]>,
): Promise<void> {
  if (!entries.length) return;
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(entries), 'utf8'), cipher.final()]);
  const sealed: Sealed = {
    v: 1,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
  await svc.secrets.set(sealingKeyName(batchId), key.toString('base64'));
  const container = svc.blobs.getContainerClient(BATCH_FILES_CONTAINER);
  await container.createIfNotExists();
  const body = Buffer.from(JSON.stringify(sealed), 'utf8');
  await container.getBlockBlobClient(sealedBlobName(batchId)).uploadData(body);
}

/**
 * Stores the sealed passwords from position `from` on, STAGED_SECRETS_PER_CALL at a time; `done`
 * once every one is in the secret store (or there were none).
 */
export async function storeStagedSecrets(
  svc: Services,
  input: { batchId: string; from: number },
): Promise<{ next: number; done: boolean }> {
  const blob = svc.blobs
    .getContainerClient(BATCH_FILES_CONTAINER)
    .getBlockBlobClient(sealedBlobName(input.batchId));
  let sealed: Sealed;
  try {
    sealed = JSON.parse((await readWholeBlob(blob)).toString('utf8')) as Sealed;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return { next: input.from, done: true };
    throw e;
  }
  const key = await svc.secrets.get(sealingKeyName(input.batchId));
  if (!key)
    throw new Error(
      `The sealing key of batch ${input.batchId}'s passwords is missing; upload the CSV again.`,
    );
  const decipher = createDecipheriv(
    'aes-256-gcm',
    Buffer.from(key, 'base64'),
    Buffer.from(sealed.iv, 'base64'),
  );
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
  const entries = JSON.parse(plain.toString('utf8')) as Array<[string, string]>;
  const chunk = entries.slice(input.from, input.from + STAGED_SECRETS_PER_CALL);
  if (chunk.length) await svc.secrets.setMany(chunk);
  const next = input.from + chunk.length;
  if (next < entries.length) return { next, done: false };
  await blob.deleteIfExists();
  await svc.secrets.delete(sealingKeyName(input.batchId));
  return { next, done: true };
}
