import { Readable } from 'node:stream';
import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { CodedError, isCodedError, type ProblemDetail } from '../domain/errors';
import { blobServiceClient, type StorageSettings } from '../storage/clients';
import type { BuiltReport } from './build';
import type { ReportFile } from './files';
import { REPORT_LIMITS, REPORTS_CONTAINER } from './limits';
import type { ReportTransport } from './transport';
import type { StreamedReportFile } from './stream';

/** The mail body is stored next to the files, so the dashboard can show exactly what was sent. */
const BODY_FILE_NAME = 'report.html';

export interface DeliverOptions {
  report: BuiltReport;
  /** Where the blob copy goes: a container client, or the storage settings to reach `reports`. */
  blob: ContainerClient | StorageSettings;
  /** Who gets the mail; may be empty (then only the blob copy is made). */
  recipients: string[];
  /** Each configured channel (SMTP, Graph); may be empty. */
  transports: ReportTransport[];
}

export type SendStatus = 'sent' | 'partial' | 'failed' | 'skipped';

export interface SendResult {
  transport: string;
  /** sent: all recipients accepted; partial: some rejected; failed: see `error`; skipped: nothing to send to. */
  status: SendStatus;
  accepted: string[];
  rejected: string[];
  messageId?: string;
  error?: ProblemDetail;
}

export interface DeliveryResult {
  container: string;
  /** Blob names written, `{batchId}/{kind}/{file}`. */
  blobs: string[];
  /** True when the files were too large to attach and the mail carried links only. */
  attachmentsOmitted: boolean;
  sends: SendResult[];
}

/** The reports container from storage settings: `reports`, created on first use. */
export function reportsContainer(settings: StorageSettings): ContainerClient {
  return blobServiceClient(settings).getContainerClient(REPORTS_CONTAINER);
}

/** Blob name of one report file: `{batchId}/{kind}/{file}`, so `reports/{batchId}/{kind}/...`. */
export function reportBlobName(report: Pick<BuiltReport, 'batchId' | 'kind'>, fileName: string): string {
  return `${report.batchId}/${report.kind}/${fileName}`;
}

function isContainerClient(blob: ContainerClient | StorageSettings): blob is ContainerClient {
  return typeof (blob as ContainerClient).getBlockBlobClient === 'function';
}

function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number } | null)?.statusCode;
}

async function upload(container: ContainerClient, name: string, file: ReportFile): Promise<void> {
  await container.getBlockBlobClient(name).uploadData(file.content, {
    blobHTTPHeaders: { blobContentType: file.contentType },
  });
}

/**
 * Writes every file (and the HTML body) to the container. A missing container is created once and
 * the upload retried. Any other failure throws CodedError `REPORT_BLOB_WRITE_FAILED` *before* any
 * mail is sent, so a retried activity neither loses the copy nor mails twice.
 */
async function writeBlobCopy(container: ContainerClient, report: BuiltReport): Promise<string[]> {
  const files: ReportFile[] = [
    ...report.files,
    {
      name: BODY_FILE_NAME,
      contentType: 'text/html; charset=utf-8',
      content: Buffer.from(report.html, 'utf8'),
    },
  ];
  const blobs = files.map((file) => ({ file, name: reportBlobName(report, file.name) }));
  const [first, ...rest] = blobs;
  try {
    if (first) {
      try {
        await upload(container, first.name, first.file);
      } catch (err) {
        // The container is made on first use; a caller may pass one that does not exist yet.
        if (statusCode(err) !== 404) throw err;
        await container.createIfNotExists();
        await upload(container, first.name, first.file);
      }
    }
    await Promise.all(rest.map((b) => upload(container, b.name, b.file)));
  } catch (err) {
    throw new CodedError(
      'REPORT_BLOB_WRITE_FAILED',
      `Could not write the report copy to container "${container.containerName}": ${String((err as Error)?.message ?? err).slice(0, REPORT_LIMITS.maxErrorChars)}. Check the storage account settings; the mail was not sent.`,
      { container: container.containerName, statusCode: statusCode(err) ?? null },
    );
  }
  for (const file of report.streamedFiles ?? []) {
    const name = reportBlobName(report, file.name);
    try {
      await uploadStreamed(container, name, file);
    } catch (err) {
      if (isCodedError(err)) throw err;
      throw new CodedError(
        'REPORT_BLOB_WRITE_FAILED',
        `Could not write ${name} to container "${container.containerName}": ${String((err as Error)?.message ?? err).slice(0, REPORT_LIMITS.maxErrorChars)}. Check the storage account settings; the mail was not sent.`,
        { container: container.containerName, statusCode: statusCode(err) ?? null },
      );
    }
    blobs.push({ file: { name: file.name, contentType: file.contentType, content: Buffer.alloc(0) }, name });
  }
  return blobs.map((b) => b.name);
}

/** Uploads a file as it is produced: a few blocks in memory at a time, whatever its size. */
async function uploadStreamed(
  container: ContainerClient,
  name: string,
  file: StreamedReportFile,
): Promise<void> {
  await container
    .getBlockBlobClient(name)
    .uploadStream(
      Readable.from(file.chunks()),
      REPORT_LIMITS.streamBlockBytes,
      REPORT_LIMITS.streamBlocksAtOnce,
      { blobHTTPHeaders: { blobContentType: file.contentType } },
    );
}

function failure(err: unknown, transport: string): ProblemDetail {
  if (isCodedError(err)) return { ...err.toJSON(), transport };
  const message = String((err as Error)?.message ?? err).slice(0, REPORT_LIMITS.maxErrorChars);
  return {
    code: 'REPORT_TRANSPORT_FAILED',
    transport,
    message: `Sending by ${transport} failed: ${message}`,
  };
}

function withTimeout<T>(promise: Promise<T>, transport: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `no answer within ${REPORT_LIMITS.sendTimeoutMs / 1000} s from the ${transport} transport`,
          ),
        ),
      REPORT_LIMITS.sendTimeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const recipientsSchema = z.array(z.email()).max(REPORT_LIMITS.maxRecipients);

async function sendOne(
  transport: ReportTransport,
  report: BuiltReport,
  to: string[],
  attachments: ReportFile[],
): Promise<SendResult> {
  try {
    const receipt = (await withTimeout(
      transport.send({ to, subject: report.subject, html: report.html, text: report.text, attachments }),
      transport.name,
    )) ?? { accepted: to, rejected: [] };
    const rejected = receipt.rejected ?? [];
    return {
      transport: transport.name,
      status: rejected.length === 0 ? 'sent' : 'partial',
      accepted: receipt.accepted ?? to.filter((r) => !rejected.includes(r)),
      rejected,
      ...(receipt.messageId ? { messageId: receipt.messageId } : {}),
    };
  } catch (err) {
    return {
      transport: transport.name,
      status: 'failed',
      accepted: [],
      rejected: [],
      error: failure(err, transport.name),
    };
  }
}

/**
 * Delivers a built report: always the blob copy `reports/{batchId}/{kind}/...` first, then the mail
 * through each transport. A transport failure is recorded in `sends` as a coded result, never thrown;
 * only a failed blob copy throws (nothing has been mailed then, so a retry is safe).
 */
export async function deliverReport(options: DeliverOptions): Promise<DeliveryResult> {
  const { report, transports } = options;
  const container = isContainerClient(options.blob) ? options.blob : reportsContainer(options.blob);
  const blobs = await writeBlobCopy(container, report);

  const attachmentBytes = report.files.reduce((n, f) => n + f.content.length, 0);
  // A streamed file is too large to attach by definition: the mail then carries links only.
  const attachmentsOmitted =
    attachmentBytes > REPORT_LIMITS.maxAttachmentBytes || (report.streamedFiles?.length ?? 0) > 0;
  const attachments = attachmentsOmitted ? [] : report.files;
  const result = { container: container.containerName, blobs, attachmentsOmitted };

  const recipients = recipientsSchema.safeParse(options.recipients);
  if (!recipients.success) {
    const error: ProblemDetail = {
      code: 'REPORT_INVALID_RECIPIENTS',
      message: `The report recipients must be at most ${REPORT_LIMITS.maxRecipients} mail addresses; fix the notification setting.`,
      problems: recipients.error.issues.map((i) => ({
        field: `recipients${i.path.map((p) => `[${String(p)}]`).join('')}`,
        message: i.message,
      })),
    };
    return {
      ...result,
      sends: transports.map((t) => ({
        transport: t.name,
        status: 'failed',
        accepted: [],
        rejected: [],
        error,
      })),
    };
  }
  if (recipients.data.length === 0) {
    return {
      ...result,
      sends: transports.map((t) => ({ transport: t.name, status: 'skipped', accepted: [], rejected: [] })),
    };
  }
  const sends = await Promise.all(transports.map((t) => sendOne(t, report, recipients.data, attachments)));
  return { ...result, sends };
}
