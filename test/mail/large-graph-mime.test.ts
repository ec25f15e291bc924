import { mimeToGraphMessage } from '../../shared/graph/mime';
import type { StreamedBody } from '../../shared/mail/target';
import { testCorpus } from '../../testing/mail/corpus';

/**
 * A message streamed from the source (over LARGE_BODY_BYTES) is converted for Graph from a first
 * read that keeps no attachment bytes: it must give the same Graph message as the whole message in
 * memory, and the same attachments (name, type, inline, Content-ID, decoded size), only deferred.
 */

/** The message as a body read in 64 KB slices, counting its reads. */
function streamed(raw: Buffer): StreamedBody & { reads: number } {
  const body = {
    size: raw.length,
    hasNul: undefined,
    reads: 0,
    async *read(): AsyncGenerator<Buffer> {
      body.reads++;
      for (let at = 0; at < raw.length; at += 65536) yield raw.subarray(at, at + 65536);
    },
  };
  return body;
}

const corpus = testCorpus({ largeBytes: 300_000 });

it.each(corpus.map((m, i) => [i, m] as const))(
  'message %i converts the same streamed as held',
  async (_i, m) => {
    const date = new Date('2024-05-01T10:00:00Z');
    const held = await mimeToGraphMessage(m.content, m.flags, date);
    const body = streamed(m.content);
    const fromStream = await mimeToGraphMessage(body, m.flags, date);
    expect(body.reads).toBe(1);
    // The held parse turns cid: links of inline images into data: URLs; the streamed one keeps the
    // links (the images are there as inline attachments), so the HTML body is compared without them.
    const withoutCid = (msg: Record<string, unknown>) => {
      const b = msg.body as { contentType: string; content: string };
      return { ...msg, body: { ...b, content: b.content.replace(/(cid:|data:)[^"' >]+/g, '') } };
    };
    expect(withoutCid(fromStream.message)).toEqual(withoutCid(held.message));
    expect(fromStream.notCarried).toEqual(held.notCarried);
    const info = (a: (typeof held.attachments)[number]) => ({
      name: a.name,
      contentType: a.contentType,
      isInline: a.isInline,
      contentId: a.contentId,
      size: a.size,
    });
    expect(fromStream.attachments.map(info)).toEqual(held.attachments.map(info));
    expect(held.attachments.every((a) => a.content.length === a.size && !a.deferred)).toBe(true);
    expect(fromStream.attachments.every((a) => a.content.length === 0 && a.deferred)).toBe(true);
  },
);

it('the corpus has attachments to compare', () => {
  expect(corpus.length).toBeGreaterThan(10);
});
