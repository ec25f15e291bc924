import type { BlobClient } from '@azure/storage-blob';

/**
 * A blob's whole content from one GET. `downloadToBuffer` asks for the size first and then reads
 * ranges without a condition, so a blob overwritten in between (a plan's status.json while the plan
 * runs) comes back cut to the old size. One GET answers one version of the blob, whole.
 */
export async function readWholeBlob(blob: BlobClient): Promise<Buffer> {
  const answer = await blob.download(0);
  const body = answer.readableStreamBody;
  if (!body) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for await (const part of body) parts.push(Buffer.isBuffer(part) ? part : Buffer.from(part as string));
  return Buffer.concat(parts);
}
