import type { ContainerClient } from '@azure/storage-blob';
import { CodedError } from '../domain/errors';
import { readWholeBlob } from '../storage/read-blob';

/**
 * A batch's report files as the API lists and serves them: every blob under `{batchId}/` in the
 * reports container (`{batchId}/{kind}/{file}`: the mail body report.html, statistics.csv,
 * errors.csv, report.json, and whatever later steps add beside them). Only names that follow that
 * shape are listed or served, so a request can never reach outside the batch's own folder.
 */
export interface ReportEntry {
  /** `{kind}/{file}`, unique within the batch. */
  name: string;
  kind: string;
  file: string;
  contentType: string;
  size: number;
  createdAt: string;
}

/** A kind or file name: letters, digits, dot, dash and underscore; no dot segment. */
export const REPORT_NAME_PART = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.ps1': 'text/plain; charset=utf-8',
};

export function reportContentType(file: string): string {
  const dot = file.lastIndexOf('.');
  return (dot >= 0 && TYPES[file.slice(dot).toLowerCase()]) || 'application/octet-stream';
}

export async function listReports(container: ContainerClient, batchId: string): Promise<ReportEntry[]> {
  const entries: ReportEntry[] = [];
  if (!(await container.exists())) return entries;
  for await (const blob of container.listBlobsFlat({ prefix: `${batchId}/` })) {
    const [kind, file, ...rest] = blob.name.slice(batchId.length + 1).split('/');
    if (!kind || !file || rest.length || !REPORT_NAME_PART.test(kind) || !REPORT_NAME_PART.test(file))
      continue;
    entries.push({
      name: `${kind}/${file}`,
      kind,
      file,
      contentType: reportContentType(file),
      size: blob.properties.contentLength ?? 0,
      createdAt: (blob.properties.lastModified ?? blob.properties.createdOn ?? new Date(0)).toISOString(),
    });
  }
  return entries.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
}

/** One report file's bytes; REPORT_NOT_FOUND (404) when the batch has no such file. */
export async function readReport(
  container: ContainerClient,
  batchId: string,
  kind: string,
  file: string,
): Promise<{ contentType: string; content: Buffer }> {
  const notFound = () =>
    new CodedError(
      'REPORT_NOT_FOUND',
      `Batch ${batchId} has no report file ${kind}/${file}; list them with GET /api/batches/${batchId}/reports.`,
      { batchId, report: `${kind}/${file}` },
    );
  if (!REPORT_NAME_PART.test(kind) || !REPORT_NAME_PART.test(file)) throw notFound();
  const blob = container.getBlobClient(`${batchId}/${kind}/${file}`);
  try {
    return { contentType: reportContentType(file), content: await readWholeBlob(blob) };
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) throw notFound();
    throw e;
  }
}
