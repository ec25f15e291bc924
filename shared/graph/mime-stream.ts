import { Readable } from 'node:stream';
import type { AttachmentStream, ParsedMail } from 'mailparser';
import type { StreamedBody } from '../mail/target';

/**
 * Parsing a message streamed from the source (one over LARGE_BODY_BYTES) without holding it: the
 * first pass reads the headers, the text and each attachment's decoded size and drops the
 * attachments' bytes; after the message is created, the second pass reads the source again and
 * hands each attachment's decoded bytes, in order, to its upload. Memory stays at the parser's
 * buffers and one upload slice, whatever the attachments weigh.
 */

/** What the first pass keeps of an attachment: everything but its bytes. */
export interface AttachmentInfo {
  contentType: string;
  filename?: string;
  contentDisposition?: string;
  contentId?: string;
  related?: boolean;
  size: number;
}

/** The parsed message as simpleParser gives it, but attachments without content. */
export type ScannedMail = Omit<ParsedMail, 'attachments'> & { attachments: AttachmentInfo[] };

/**
 * Runs MailParser over `input`; every attachment's content stream goes to `onAttachment` (awaited:
 * the parser waits for it), which must read it to its end.
 */
async function parse(
  input: Readable,
  onAttachment: (a: AttachmentStream, index: number) => Promise<number>,
): Promise<ScannedMail> {
  const { MailParser } = await import('mailparser');
  const parser = new MailParser({ skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  const mail = { attachments: [] as AttachmentInfo[] } as ScannedMail & Record<string, unknown>;
  let index = 0;
  let failed: unknown;
  const ended = new Promise<void>((resolve, reject) => {
    parser.on('error', reject);
    parser.on('end', () => resolve());
  });
  parser.on('headers', (headers) => {
    mail.headers = headers;
  });
  parser.on('data', (data: AttachmentStream | { type: 'text'; text?: string; html?: string | false }) => {
    if (data.type === 'text') {
      if (data.text !== undefined) mail.text = data.text;
      if (data.html !== undefined) mail.html = data.html;
      return;
    }
    const at = index++;
    onAttachment(data, at).then(
      (size) => {
        mail.attachments[at] = {
          contentType: data.contentType,
          filename: data.filename,
          contentDisposition: data.contentDisposition,
          contentId: data.contentId,
          related: data.related,
          size,
        };
        data.release?.();
      },
      (e: unknown) => {
        failed ??= e;
        data.content.resume();
        data.release?.();
      },
    );
  });
  input.once('error', (e) => parser.destroy(e));
  input.pipe(parser);
  await ended;
  if (failed !== undefined) throw failed;
  for (const key of [
    'subject',
    'references',
    'date',
    'to',
    'from',
    'cc',
    'bcc',
    'message-id',
    'in-reply-to',
    'reply-to',
  ]) {
    if (mail.headers?.has(key))
      mail[key.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())] = mail.headers.get(key);
  }
  return mail;
}

/** Counts a stream's bytes and lets them go. */
async function drain(content: Readable): Promise<number> {
  let size = 0;
  for await (const chunk of content as AsyncIterable<Buffer>) size += chunk.length;
  return size;
}

/** First pass: headers, text and attachment sizes; no attachment bytes are kept. */
export async function scanStreamed(
  body: StreamedBody,
  head: Buffer[],
  headBytes: number,
): Promise<ScannedMail> {
  return parse(Readable.from(keepHead(body.read(), head, headBytes)), (a) => drain(a.content));
}

/**
 * Second pass: the source read again, each attachment's decoded bytes handed to `onAttachment` in
 * the order of the first pass (the same bytes parse the same way).
 */
export async function eachAttachment(
  body: StreamedBody,
  onAttachment: (index: number, bytes: AsyncIterable<Buffer>) => Promise<void>,
): Promise<void> {
  await parse(Readable.from(body.read()), async (a, index) => {
    let size = 0;
    const counted = async function* (): AsyncGenerator<Buffer> {
      for await (const chunk of a.content as AsyncIterable<Buffer>) {
        size += chunk.length;
        yield chunk;
      }
    };
    await onAttachment(index, counted());
    // Whatever the upload did not read still has to pass for the parser to go on.
    size += await drain(a.content);
    return size;
  });
}

/** Passes `chunks` on, copying the first `limit` bytes into `head`. */
export async function* keepHead(
  chunks: AsyncIterable<Buffer>,
  head: Buffer[],
  limit: number,
): AsyncGenerator<Buffer> {
  let kept = 0;
  for await (const chunk of chunks) {
    if (kept < limit) {
      const part = Buffer.from(chunk.subarray(0, limit - kept));
      head.push(part);
      kept += part.length;
    }
    yield chunk;
  }
}
