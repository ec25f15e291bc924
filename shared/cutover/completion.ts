import type { Services } from '../app/services';
import { reportsContainer, type CutoverReport, type ReportFile } from '../report';
import type { Batch, Mailbox } from '../state';
import { checkBatchDomains, type DomainCheck } from './dns-check';
import { forwardingSummary } from './forwarding';
import { ForwardingStore } from './forwarding-store';
import { cutoverPack } from './pack';

/**
 * What completion adds for the cutover: the conversion pack and the DNS findings, written to the
 * batch's report files (`reports/{batchId}/cutover/...`) so the completion report can attach them
 * and the batch page can show readiness. Rewriting them is harmless, so a retried activity is safe.
 */
const SUMMARY_FILE = 'cutover.json';
const folder = (batchId: string) => `${batchId}/cutover/`;

export async function allMailboxes(svc: Services, batchId: string): Promise<Mailbox[]> {
  const out: Mailbox[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await svc.state.mailboxes.list(batchId, { continuationToken, pageSize: 1000 });
    out.push(...page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return out;
}

/** DNS is checked when the batch moves into Microsoft 365 (other targets have their own records). */
export async function dnsFor(svc: Services, batch: Batch, mailboxes: Mailbox[]): Promise<DomainCheck[]> {
  const target = await svc.state.endpoints.find(batch.target);
  if (target?.type !== 'graph') return [];
  return checkBatchDomains(
    svc,
    mailboxes.map((m) => m.email),
  );
}

export async function writeCutoverPack(
  svc: Services,
  batchId: string,
): Promise<{ files: string[]; ready: boolean }> {
  const batch = await svc.state.batches.get(batchId);
  // The pack is about leaving an on-premises Exchange: a batch with no directory and no Microsoft 365
  // target (IMAP to IMAP) has nothing to convert.
  const target = await svc.state.endpoints.find(batch.target);
  if (!batch.options.directory && target?.type !== 'graph') return { files: [], ready: true };
  const mailboxes = await allMailboxes(svc, batchId);
  const forwarding = await forwardingSummary(svc, batch, mailboxes.length);
  const routing = new Map(
    (await new ForwardingStore(svc).list(batchId))
      .filter((r) => r.wanted)
      .map((r) => [r.email.toLowerCase(), r.wanted!.replace(/^smtp:/i, '')]),
  );
  const dns = await dnsFor(svc, batch, mailboxes);
  const files = cutoverPack({
    batch: { id: batch.id, name: batch.name, status: batch.status, completedAt: batch.completedAt },
    mailboxes: mailboxes.map((m) => ({ email: m.email, status: m.status })),
    routing,
    forwarding,
    dns,
  });
  const summary: CutoverReport = { forwarding, dns, pack: true };
  const container = reportsContainer(svc.storage);
  await container.createIfNotExists();
  for (const f of [...files, json(SUMMARY_FILE, summary)]) {
    await container
      .getBlockBlobClient(folder(batchId) + f.name)
      .uploadData(f.content, { blobHTTPHeaders: { blobContentType: f.contentType } });
  }
  return { files: files.map((f) => f.name), ready: isReady(summary) };
}

function json(name: string, value: unknown): ReportFile {
  return {
    name,
    contentType: 'application/json; charset=utf-8',
    content: Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8'),
  };
}

export function isReady(c: CutoverReport): boolean {
  return (!c.forwarding.enabled || c.forwarding.set === c.forwarding.of) && c.dns.every((d) => d.ok);
}

/** The pack written at completion, for the completion report: its summary and files, or undefined. */
export async function readCutoverPack(
  svc: Services,
  batchId: string,
): Promise<{ summary: CutoverReport; files: ReportFile[] } | undefined> {
  const container = reportsContainer(svc.storage);
  if (!(await container.exists())) return undefined;
  const files: ReportFile[] = [];
  let summary: CutoverReport | undefined;
  for await (const blob of container.listBlobsFlat({ prefix: folder(batchId) })) {
    const name = blob.name.slice(folder(batchId).length);
    const content = await container.getBlockBlobClient(blob.name).downloadToBuffer();
    if (name === SUMMARY_FILE) summary = JSON.parse(content.toString('utf8')) as CutoverReport;
    else
      files.push({ name, contentType: blob.properties.contentType ?? 'application/octet-stream', content });
  }
  return summary ? { summary, files } : undefined;
}

/** The cutover part of a report: the stored pack at completion, forwarding alone in the status mail. */
export async function cutoverForReport(
  svc: Services,
  batch: Batch,
  kind: string,
): Promise<{ summary: CutoverReport; files: ReportFile[] } | undefined> {
  if (kind === 'completion') return readCutoverPack(svc, batch.id);
  if (kind !== 'status' || !batch.options.directory) return undefined;
  const forwarding = await forwardingSummary(svc, batch, batch.totalMailboxes);
  return { summary: { forwarding, dns: [], pack: false }, files: [] };
}
