import { PIM_LIMITS } from '../limits';
import type { PimAttachment, PimCollection } from '../model';
import type { Planned, Skip } from './plan';
import type { WriterRounds } from './rounds';

/**
 * Attachments of events and photos of contacts, one request each (binary or large bodies), after
 * the items exist. A refused attachment or an oversized photo is listed, never failing its item.
 */
export async function writeExtras(
  w: WriterRounds,
  collection: PimCollection,
  plans: Planned[],
  skip: Skip,
): Promise<void> {
  for (const p of plans) {
    if (p.failed) continue;
    if (p.event && p.event.attachments.length) await writeAttachments(w, p, skip);
    if (p.contact?.photo) await writePhoto(w, collection, p, skip);
  }
}

async function writeAttachments(w: WriterRounds, p: Planned, skip: Skip): Promise<void> {
  const event = p.event!;
  const ids =
    p.kind === 'series'
      ? [...p.keep, ...p.createdIds]
      : [p.keep[0] ?? p.createdIds[0]].filter((x): x is string => Boolean(x));
  // Updated in place: attachments written before are already there.
  if (p.keep.length && !p.createdIds.length) return;
  for (const a of event.attachments) {
    const problem = attachmentProblem(a);
    if (problem) {
      skip(p.work, event.subject, 'PIM_ATTACHMENT_SKIPPED', `attachment "${a.name}" ${problem}`, false);
      continue;
    }
    try {
      for (const id of ids) {
        await w.client.post(`${w.user}/events/${encodeURIComponent(id)}/attachments`, {
          '@odata.type': '#microsoft.graph.fileAttachment',
          name: a.name,
          contentType: a.contentType,
          contentBytes: a.contentBase64,
        });
      }
    } catch (e) {
      // The event is there; the attachment is listed rather than failing the event.
      const reason = `attachment "${a.name}" was refused: ${(e as Error).message}`;
      skip(p.work, event.subject, 'PIM_ATTACHMENT_SKIPPED', reason, false);
    }
  }
}

async function writePhoto(w: WriterRounds, collection: PimCollection, p: Planned, skip: Skip): Promise<void> {
  const photo = p.contact!.photo!;
  const id = p.keep[0] ?? p.createdIds[0];
  if (!id) return;
  const bytes = Buffer.from(photo.contentBase64, 'base64');
  if (bytes.length > PIM_LIMITS.maxPhotoBytes) {
    skip(
      p.work,
      p.contact!.displayName ?? p.key,
      'PIM_PHOTO_SKIPPED',
      `the photo is ${bytes.length} bytes, over Exchange's 4 MB`,
      false,
    );
    return;
  }
  await w.client.request('PUT', `${w.itemPath(collection, id)}/photo/$value`, {
    body: bytes,
    headers: { 'content-type': photo.contentType },
  });
}

function attachmentProblem(a: PimAttachment): string | undefined {
  if (a.size > PIM_LIMITS.maxInlineAttachmentBytes) {
    return `is ${(a.size / 1024 / 1024).toFixed(1)} MB, over the ${PIM_LIMITS.maxInlineAttachmentBytes / 1024 / 1024} MB an event attachment may have here; attach it again by hand in Outlook`;
  }
  if (!a.contentBase64) return 'could not be read from the source';
  return undefined;
}
