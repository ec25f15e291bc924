import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import type { Services } from '../shared/app/services';
import { claimBlob } from '../shared/batches/claim';
import { BATCH_DROP_CONTAINER, checkDropBlobName } from '../shared/batches/containers';
import type { IngestRequest } from '../shared/batches/ingest';
import { CodedError } from '../shared/domain/errors';

/**
 * The three ways a client can send a new batch, read into one shape:
 * - the CSV as the body (`text/csv`), options in the query string (`?name=...&autoStart=true`);
 * - `multipart/form-data` with the file in a `csv` (or `file`) field and options as fields, as a
 *   browser form sends it;
 * - JSON `{name, csv | csvBlob, sourceEndpoint?, target?, options?}`, where `csvBlob` names a blob
 *   already in the `migration-batches` container (and only there: see checkDropBlobName). The
 *   blob is claimed against the blob trigger (shared/batches/claim.ts), read, and deleted at once:
 *   it may hold passwords, and the batch keeps its own copy without them.
 */
export interface Upload {
  csv: Buffer;
  request: IngestRequest;
}

const jsonSchema = z
  .object({
    name: z.string().min(1),
    csv: z.string().min(1).optional(),
    csvBlob: z.string().min(1).optional(),
    sourceEndpoint: z.string().optional(),
    target: z.string().optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine((v) => Boolean(v.csv) !== Boolean(v.csvBlob), {
    message: 'give either csv (the text) or csvBlob (a blob name)',
    path: ['csv'],
  });

const BOOLEAN_OPTIONS = [
  'autoStart',
  'allowUnknownColumns',
  'forceChangePassword',
  'setForwarding',
  'restoreForwarding',
  'applyConversionLdap',
  'mirrorDeletions',
] as const;
const NUMBER_OPTIONS = ['maxConcurrentMigrations', 'incrementalSyncIntervalHours'] as const;
const TEXT_OPTIONS = [
  'startAfter',
  'completeAfter',
  'directory',
  'forwardingDomain',
  'since',
  'before',
] as const;
/** Options whose value is JSON text: a form or query string has no other way to hold an object. */
const JSON_OPTIONS = ['folderMap', 'folderRules'] as const;
const LIST_OPTIONS = ['notificationEmails', 'includeFolders', 'excludeFolders'] as const;

const invalid = (field: string, message: string): CodedError =>
  new CodedError('REQUEST_INVALID', `${field}: ${message}`, { field });

export async function readUpload(svc: Services, request: HttpRequest): Promise<Upload> {
  const type = request.headers.get('content-type') ?? '';
  if (type.includes('application/json')) return readJson(svc, await request.text());
  if (type.includes('multipart/form-data')) return readForm(await request.formData());
  const csv = Buffer.from(await request.arrayBuffer());
  if (!csv.length) throw invalid('body', 'send the batch CSV as the request body (Content-Type: text/csv)');
  return { csv, request: fromFields((key) => request.query.get(key) ?? undefined) };
}

async function readJson(svc: Services, text: string): Promise<Upload> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalid('body', 'the body is not valid JSON');
  }
  const parsed = jsonSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(issue?.path.join('.') || 'body', issue?.message ?? 'invalid');
  }
  const { csv, csvBlob, ...request } = parsed.data;
  const options = request.options ?? {};
  if (csv !== undefined) return { csv: Buffer.from(csv, 'utf8'), request: { ...request, options } };
  return {
    csv: await takeDropBlob(svc, checkDropBlobName(csvBlob as string)),
    request: { ...request, options },
  };
}

async function takeDropBlob(svc: Services, name: string): Promise<Buffer> {
  const blob = svc.blobs.getContainerClient(BATCH_DROP_CONTAINER).getBlobClient(name);
  const claim = await claimBlob(blob);
  if (claim === 'gone')
    throw new CodedError(
      'BLOB_NOT_FOUND',
      `csvBlob: no blob "${name}" in the ${BATCH_DROP_CONTAINER} container; upload it first.`,
      { field: 'csvBlob' },
    );
  if (claim === 'claimed-elsewhere')
    throw new CodedError(
      'BLOB_CLAIMED',
      `csvBlob: "${name}" is already being made into a batch by the drop trigger, which takes every .csv put into ${BATCH_DROP_CONTAINER}; to send options with a file, upload it under a name that does not end in .csv (e.g. "${name.replace(/\.csv$/i, '')}.upload").`,
      { field: 'csvBlob' },
    );
  try {
    return await blob.downloadToBuffer();
  } finally {
    await claim.finish();
  }
}

async function readForm(form: FormData): Promise<Upload> {
  const file = form.get('csv') ?? form.get('file');
  if (!file || typeof file === 'string')
    throw invalid('csv', 'attach the CSV file in a form field named csv');
  const text = (key: string): string | undefined => {
    const v = form.get(key);
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  return { csv: Buffer.from(await file.arrayBuffer()), request: fromFields(text) };
}

/** Batch name, endpoints and options from flat text fields (query string or form). */
function fromFields(get: (key: string) => string | undefined): IngestRequest {
  const name = get('name');
  if (!name) throw invalid('name', 'name the batch (add ?name=<batch name> to the URL, or a name field)');
  const options: Record<string, unknown> = {};
  for (const key of BOOLEAN_OPTIONS) {
    const v = get(key);
    if (v !== undefined) options[key] = v === 'true' || v === 'on';
  }
  for (const key of NUMBER_OPTIONS) {
    const v = get(key);
    if (v !== undefined) options[key] = Number(v);
  }
  for (const key of TEXT_OPTIONS) {
    const v = get(key);
    if (v !== undefined) options[key] = v;
  }
  for (const key of JSON_OPTIONS) {
    const v = get(key);
    if (v !== undefined) options[key] = jsonField(key, v);
  }
  for (const key of LIST_OPTIONS) {
    const v = get(key);
    if (v !== undefined)
      options[key] = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  }
  return { name, sourceEndpoint: get('sourceEndpoint'), target: get('target'), options };
}

function jsonField(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(key, 'is not valid JSON; write it like {"Inbox/Old": "Archive/Old"}');
  }
}
