import type { FetchMessageObject, ImapFlow } from 'imapflow';
import { closeImap, openImap } from './login';
import { LARGE_BODY_BYTES, LARGE_BODY_CHUNK_BYTES } from './limits';
import { roleOf } from './roles';
import { MailError, MailErrorCode } from './errors';
import type { SourceFolder } from './folders';
import type { ImapEndpoint, MailboxLogin } from './settings';
import type { MessageBody, StreamedBody } from './target';
import { FetchReader, type ExaminedFolder, type FetchedMeta } from './fetch/reader';

/**
 * The IMAP source, read-only by construction: folders are only ever opened with EXAMINE, bodies
 * fetched with BODY.PEEK, and this class exposes no command that writes.
 */

export interface SourceFolderStatus extends SourceFolder {
  messages: number;
  uidNext: number;
  uidValidity: string;
  /** '' when the server has no CONDSTORE. */
  highestModseq: string;
  /** Total bytes when the server offers STATUS=SIZE, else undefined. */
  sizeBytes?: number;
}

export interface MessageMeta {
  uid: number;
  size: number;
  internalDate: Date;
  flags: string[];
  messageId?: string;
  subject: string;
}

export interface OpenBox {
  uidValidity: string;
  uidNext: number;
  exists: number;
  highestModseq: string;
}

const VIRTUAL = new Set(['\\All', '\\Flagged', '\\Important']);

export function flagList(flags: Set<string> | undefined): string[] {
  return [...(flags ?? [])].filter((f) => f.toLowerCase() !== '\\recent').sort();
}

/** A compact UID set: 1:5,7,9:12. */
export function uidSet(uids: number[]): string {
  const sorted = [...uids].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export class ImapSource {
  /** The bulk body FETCH's own connection (fetch/reader.ts), opened at the first bulk read. */
  private reader: FetchReader | undefined;
  /** The folder this session EXAMINEd last (the reader opens the same one, same UIDVALIDITY). */
  private examined: ExaminedFolder | undefined;
  /** The server refused the reader's connection (see fetchReader). */
  private readerRefused = false;

  private constructor(
    private readonly client: ImapFlow,
    private readonly endpoint: ImapEndpoint,
    private readonly login: MailboxLogin,
  ) {}

  static async open(endpoint: ImapEndpoint, login: MailboxLogin): Promise<ImapSource> {
    return new ImapSource(await openImap(endpoint, login, 'source'), endpoint, login);
  }

  get condstore(): boolean {
    return this.client.capabilities.has('CONDSTORE');
  }

  /** False once either connection is gone: the session pool then discards both. */
  get usable(): boolean {
    return this.client.usable && (this.reader?.usable ?? true);
  }

  /** The session pool's check before reuse: NOOP answered on every connection still logged in. */
  async healthy(): Promise<boolean> {
    if (!this.usable) return false;
    await this.client.noop();
    if (this.reader && !(await this.reader.healthy())) return false;
    return this.usable;
  }

  /** LIST + STATUS of every folder (LIST-STATUS when offered: one round trip). */
  async listFolders(): Promise<SourceFolderStatus[]> {
    const sizes = this.client.capabilities.has('STATUS=SIZE');
    const list = await this.client.list({
      statusQuery: {
        messages: true,
        uidNext: true,
        uidValidity: true,
        highestModseq: this.condstore,
        size: sizes,
      },
    });
    return list
      .filter((f) => !f.flags.has('\\NonExistent'))
      .map((f) => ({
        path: f.path,
        delimiter: f.delimiter ?? '/',
        role: roleOf(f.specialUse, f.path),
        virtual: !!f.specialUse && VIRTUAL.has(f.specialUse),
        selectable: !f.flags.has('\\Noselect') && !!f.status,
        messages: f.status?.messages ?? 0,
        uidNext: f.status?.uidNext ?? 0,
        uidValidity: f.status?.uidValidity?.toString() ?? '',
        highestModseq: f.status?.highestModseq?.toString() ?? '',
        sizeBytes: f.status?.size,
      }));
  }

  /** EXAMINE: opens read-only. */
  async examine(path: string): Promise<OpenBox> {
    const box = await this.client.mailboxOpen(path, { readOnly: true });
    this.examined = {
      path,
      uidValidity: box.uidValidity.toString(),
      generation: (this.examined?.generation ?? 0) + 1,
    };
    return {
      uidValidity: box.uidValidity.toString(),
      uidNext: box.uidNext,
      exists: box.exists,
      highestModseq: box.noModseq || box.highestModseq === undefined ? '' : box.highestModseq.toString(),
    };
  }

  /** UIDs above `lastUid`, ascending. */
  async uidsAfter(lastUid: number): Promise<number[]> {
    const found = (await this.client.search({ uid: `${lastUid + 1}:*` }, { uid: true })) || [];
    return found.filter((u) => u > lastUid).sort((a, b) => a - b);
  }

  async allUids(): Promise<number[]> {
    const found = (await this.client.search({ all: true }, { uid: true })) || [];
    return found.sort((a, b) => a - b);
  }

  /**
   * Size, INTERNALDATE, flags and Message-ID of each message, by UID, read by the FETCH reader.
   * Message-ID comes from its header alone: a full ENVELOPE (addresses, encoded words) costs more
   * to parse than the copy needs; subjects are read only for the few items that get listed.
   */
  async meta(uids: number[]): Promise<MessageMeta[]> {
    if (!uids.length) return [];
    const out: MessageMeta[] = [];
    const reader = await this.fetchReader();
    if (reader) await reader.meta(this.openFolder(), uidSet(uids), (m) => out.push(toMeta(m)));
    else {
      const q = { uid: true, size: true, internalDate: true, flags: true, headers: ['message-id'] };
      for await (const m of this.client.fetch(uidSet(uids), q, { uid: true })) out.push(imapflowMeta(m));
    }
    return out.sort((a, b) => a.uid - b.uid);
  }

  /** Subjects (decoded) of a few messages, for the skipped-items list. */
  async subjects(uids: number[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    if (!uids.length) return out;
    for await (const m of this.client.fetch(uidSet(uids), { uid: true, envelope: true }, { uid: true })) {
      out.set(m.uid, (m.envelope?.subject ?? '').slice(0, 255));
    }
    return out;
  }

  /** UID → flags for messages changed since `modseq` (CONDSTORE), or for all messages. */
  async flags(range: string, changedSince?: string): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    const opts = changedSince ? { uid: true, changedSince: BigInt(changedSince) } : { uid: true };
    for await (const m of this.client.fetch(range, { uid: true, flags: true }, opts))
      out.set(m.uid, flagList(m.flags));
    return out;
  }

  /**
   * Streams message bodies in the server's (UID) order, read by the FETCH reader on its own
   * connection. `onMessage` is awaited before the next message is read (the reader pauses the
   * socket), and must not run commands on this session.
   * A message over LARGE_BODY_BYTES, asked for alone, is handed over as a StreamedBody: its bytes
   * are fetched when it is read, so the caller must keep this connection free until it has been
   * read (and any resend read again).
   */
  async bodies(
    uids: number[],
    onMessage: (uid: number, content: MessageBody, flags: string[]) => Promise<void>,
  ): Promise<void> {
    if (!uids.length) return;
    if (uids.length === 1 && (await this.largeBody(uids[0] as number, onMessage))) return;
    const reader = await this.fetchReader();
    if (reader) {
      await reader.bodies(this.openFolder(), uidSet(uids), (uid, body, flags) =>
        onMessage(uid, body, flagList(new Set(flags))),
      );
      return;
    }
    const q = { uid: true, source: true, flags: true };
    for await (const m of this.client.fetch(uidSet(uids), q, { uid: true }))
      if (m.source) await onMessage(m.uid, m.source, flagList(m.flags));
  }

  private openFolder(): ExaminedFolder {
    if (!this.examined) throw new Error('ImapSource: no folder was examined before a FETCH');
    return this.examined;
  }

  /**
   * The reader's connection: logged in at the first bulk read, kept with the session. Undefined
   * when the server refused that second login: the session's first connection logged in with the
   * same credentials, so the refusal is the server's limit on connections per user (Dovecot's
   * `NO [LIMIT]`, mail_max_userip_connections), and the bulk reads then go through imapflow on the
   * first connection, slower but within the limit, for the rest of the session.
   */
  private async fetchReader(): Promise<FetchReader | undefined> {
    if (this.readerRefused) return undefined;
    if (this.reader?.usable) return this.reader;
    await this.reader?.close();
    this.reader = undefined;
    try {
      this.reader = await FetchReader.open(this.endpoint, this.login);
    } catch (e) {
      if ((e as { code?: string }).code !== MailErrorCode.authFailed) throw e;
      this.readerRefused = true;
      return undefined;
    }
    return this.reader;
  }

  /** Hands over one message over LARGE_BODY_BYTES as a StreamedBody; false when it is smaller. */
  private async largeBody(
    uid: number,
    onMessage: (uid: number, content: MessageBody, flags: string[]) => Promise<void>,
  ): Promise<boolean> {
    const head = await this.client.fetchOne(
      String(uid),
      { uid: true, size: true, flags: true },
      { uid: true },
    );
    if (!head || !head.size || head.size <= LARGE_BODY_BYTES) return false;
    await onMessage(uid, this.streamedBody(uid, head.size), flagList(head.flags));
    return true;
  }

  /**
   * The message as partial FETCHes of LARGE_BODY_CHUNK_BYTES (imapflow's download waits for each
   * slice to be consumed before it asks for the next), checked against its RFC822.SIZE.
   */
  private streamedBody(uid: number, size: number): StreamedBody {
    const client = this.client;
    const body = {
      size,
      hasNul: undefined as boolean | undefined,
      async *read(): AsyncGenerator<Buffer> {
        const { content } = await client.download(String(uid), undefined, {
          uid: true,
          chunkSize: LARGE_BODY_CHUNK_BYTES,
        });
        if (!content) throw changed(uid, `it is no longer on the source`);
        const slices = content as AsyncIterable<Buffer> & { destroy(): void };
        let at = 0;
        let nul = false;
        try {
          for await (const slice of slices) {
            if (at + slice.length > size) throw changed(uid, `it grew while it was read`);
            nul ||= slice.includes(0);
            at += slice.length;
            yield slice;
          }
        } finally {
          // Stopped early (the target went away, or a check above): the download ends here.
          if (at !== size) slices.destroy();
        }
        if (at !== size) {
          // A connection that dropped mid-message is not a shorter message.
          if (!client.usable)
            throw new MailError(MailErrorCode.connectionLost, 'source: the connection dropped during FETCH');
          throw changed(uid, `${at} of ${size} bytes were read`);
        }
        body.hasNul = nul;
      },
    };
    return body;
  }

  async close(): Promise<void> {
    await Promise.all([this.reader?.close(), closeImap(this.client)]);
  }
}

/** The same items as imapflow reads them (the path of a session whose reader was refused). */
function imapflowMeta(m: FetchMessageObject): MessageMeta {
  const d = m.internalDate instanceof Date ? m.internalDate : new Date(String(m.internalDate ?? 0));
  return {
    uid: m.uid,
    size: m.size ?? 0,
    internalDate: d,
    flags: flagList(m.flags),
    messageId: messageIdOf(m.headers),
    subject: '',
  };
}

/** As imapflow read the same items before (INTERNALDATE through Date's own parser). */
export function toMeta(m: FetchedMeta): MessageMeta {
  return {
    uid: m.uid,
    size: m.size ?? 0,
    internalDate: new Date(m.internalDate ?? '0'),
    flags: flagList(new Set(m.flags)),
    messageId: messageIdOf(m.header),
    subject: '',
  };
}

/** The Message-ID header's value (unfolded, trimmed), or undefined when the message has none. */
export function messageIdOf(headers: Buffer | undefined): string | undefined {
  if (!headers) return undefined;
  const m = /^message-id:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)/im.exec(headers.toString('latin1'));
  const v = m?.[1]?.replace(/\r?\n[ \t]+/g, ' ').trim();
  return v || undefined;
}

/** A large message whose bytes do not come to its RFC822.SIZE (the literal sent ahead would lie). */
function changed(uid: number, what: string): MailError {
  return new MailError(
    MailErrorCode.sourceSizeMismatch,
    `source: message ${uid} could not be read whole: ${what}`,
    {
      uid,
    },
  );
}
