import { openWire } from '../append/auth';
import type { ImapWire } from '../append/connection';
import { encodeMailboxUtf7, quoted } from '../append/wire';
import { MailError, MailErrorCode } from '../errors';
import type { ImapEndpoint, MailboxLogin } from '../settings';
import { ResponseFramer } from './framer';
import { LOGOUT_WAIT_MS } from './limits';
import {
  asAtoms,
  asBytes,
  asNumber,
  parseResponse,
  type FetchResponse,
  type ImapValue,
  type ParsedResponse,
  type StatusResponse,
} from './parse';

/**
 * The source's bulk FETCH, read by a small reader of our own instead of imapflow (whose generic
 * token parser cost the copy most of its CPU): a second connection of the source session, logged
 * in by the same rules as imapflow's (the append writer's connection code: TLS/STARTTLS, certificate
 * checks, LOGIN/PLAIN/XOAUTH2, timeouts), which only ever EXAMINEs and FETCHes with BODY.PEEK: the
 * source stays read-only by construction.
 *
 * Responses are framed as they arrive (framer.ts: literals are views of the socket's chunks) and
 * handed over one by one; while the caller's `onMessage` runs, the socket is paused, so what is
 * read ahead is at most one socket chunk and the message in flight.
 *
 * A connection lost before the FETCH's tagged answer (cut mid-literal, reset, timed out) is
 * MAIL_CONNECTION_LOST for the call, never a shorter result: the messages not yet handed over were
 * not read, not expunged.
 */

export interface ExaminedFolder {
  path: string;
  /** The UIDVALIDITY the session's other connection saw: UIDs are only meaningful within it. */
  uidValidity: string;
  /**
   * Counts the other connection's EXAMINEs: each one is followed here by an EXAMINE of our own at
   * the next FETCH, so this connection sees at least the messages the other one found.
   */
  generation: number;
}

/** One message's metadata as the server sent it (absent items undefined). */
export interface FetchedMeta {
  uid: number;
  size?: number;
  /** INTERNALDATE as sent (`17-Jul-1996 02:44:25 -0700`). */
  internalDate?: string;
  flags?: string[];
  /** The requested header fields (`Message-ID: ...`), as bytes. */
  header?: Buffer;
}

/** `BODY[HEADER.FIELDS (MESSAGE-ID)]`, however the server spells the field list. */
function headerItem(r: FetchResponse): ImapValue | undefined {
  for (const [name, value] of r.items) if (name.startsWith('BODY[HEADER.FIELDS')) return value;
  return undefined;
}

type OnFetch = (r: FetchResponse) => void | Promise<void>;

interface Running {
  tag: string;
  what: string;
  onFetch?: OnFetch;
  untagged: StatusResponse[];
  /** The caller's handler threw: the rest of the answer is read and dropped, then this is thrown. */
  failed?: unknown;
  resolve(r: { tagged: StatusResponse; untagged: StatusResponse[] }): void;
  reject(e: unknown): void;
}

export class FetchReader {
  private readonly framer: ResponseFramer;
  private readonly queue: ParsedResponse[] = [];
  private current: Running | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  private pumping = false;
  private lostWith: Error | undefined;
  private examined: ExaminedFolder | undefined;
  private tags = 0;

  private constructor(private readonly wire: ImapWire) {
    this.framer = new ResponseFramer((r) => this.queue.push(parseResponse(r)));
    wire.divert({ data: (chunk) => this.onData(chunk), lost: (e) => this.onLost(e) });
  }

  static async open(endpoint: ImapEndpoint, login: MailboxLogin): Promise<FetchReader> {
    return new FetchReader(await openWire(endpoint, login, 'source'));
  }

  get usable(): boolean {
    return !this.lostWith && this.wire.usable;
  }

  /** NOOP answered: the session pool's check before reuse. */
  async healthy(): Promise<boolean> {
    if (!this.usable) return false;
    await this.run('NOOP', 'NOOP');
    return this.usable;
  }

  /**
   * `UID FETCH <set> (UID FLAGS BODY.PEEK[])` in `folder`: each message's bytes (a view, not a
   * copy, where the socket delivered it whole), UID and flags as the server sent them, in the
   * server's order. `onMessage` is awaited before anything more is read.
   */
  async bodies(
    folder: ExaminedFolder,
    set: string,
    onMessage: (uid: number, body: Buffer, flags: string[]) => Promise<void>,
  ): Promise<void> {
    await this.examine(folder);
    // Items of one message may come in more than one FETCH response (RFC 9051 7.5.2): what came
    // before the body is kept by sequence number until the body comes.
    const earlier = new Map<number, { uid?: number; flags?: string[] }>();
    await this.run(`UID FETCH ${set} (UID FLAGS BODY.PEEK[])`, 'FETCH', (r) => {
      const uid = asNumber(r.items.get('UID')) ?? earlier.get(r.seq)?.uid;
      const flags = r.items.has('FLAGS') ? asAtoms(r.items.get('FLAGS')) : earlier.get(r.seq)?.flags;
      const body = asBytes(r.items.get('BODY[]'));
      if (!body) {
        // Flags or the UID alone (an unsolicited flag change, or items sent apart).
        if (uid !== undefined || flags) earlier.set(r.seq, { uid, flags });
        return;
      }
      earlier.delete(r.seq);
      if (uid === undefined) return;
      return onMessage(uid, body, flags ?? []);
    });
  }

  /**
   * `UID FETCH <set> (UID RFC822.SIZE INTERNALDATE FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])`:
   * what the copy plans a chunk with, one small response per message (where imapflow's per-response
   * cost weighed most). Items are handed over as the server sent them.
   */
  async meta(folder: ExaminedFolder, set: string, onMeta: (m: FetchedMeta) => void): Promise<void> {
    await this.examine(folder);
    await this.run(
      `UID FETCH ${set} (UID RFC822.SIZE INTERNALDATE FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])`,
      'FETCH',
      (r) => {
        const uid = asNumber(r.items.get('UID'));
        if (uid === undefined) return; // an unsolicited flag change
        const date = r.items.get('INTERNALDATE');
        onMeta({
          uid,
          size: asNumber(r.items.get('RFC822.SIZE')),
          internalDate: typeof date === 'string' ? date : undefined,
          flags: r.items.has('FLAGS') ? asAtoms(r.items.get('FLAGS')) : undefined,
          header: asBytes(headerItem(r)),
        });
      },
    );
  }

  async close(): Promise<void> {
    if (this.usable) {
      const bye = this.run('LOGOUT', 'LOGOUT').catch(() => undefined);
      await Promise.race([bye, new Promise((r) => setTimeout(r, LOGOUT_WAIT_MS).unref())]);
    }
    this.wire.close();
  }

  /** EXAMINE the folder unless it is open already, checking that its UIDs still mean the same. */
  private async examine(folder: ExaminedFolder): Promise<void> {
    const open = this.examined;
    if (open && open.path === folder.path && open.generation === folder.generation) return;
    this.examined = undefined;
    const utf7 = encodeMailboxUtf7(folder.path);
    const { untagged } = await this.run(`EXAMINE ${quoted(utf7) ?? `"${utf7}"`}`, 'EXAMINE');
    const seen = untagged.find((u) => u.code === 'UIDVALIDITY')?.codeArgs[0] ?? '';
    if (seen !== folder.uidValidity) {
      // Another session recreated the folder between the two EXAMINEs: the next call starts over.
      throw new MailError(
        MailErrorCode.connectionLost,
        `source: the UIDVALIDITY of ${folder.path} changed while it was read (${folder.uidValidity} → ${seen || 'none'})`,
        { folder: folder.path },
      );
    }
    this.examined = folder;
  }

  /** One command at a time: resolves at its tagged OK, after every response before it was handled. */
  private run(
    command: string,
    what: string,
    onFetch?: OnFetch,
  ): Promise<{ tagged: StatusResponse; untagged: StatusResponse[] }> {
    const go = async (): Promise<{ tagged: StatusResponse; untagged: StatusResponse[] }> => {
      if (this.lostWith) throw this.lost(what);
      const tag = `F${++this.tags}`;
      const answer = new Promise<{ tagged: StatusResponse; untagged: StatusResponse[] }>(
        (resolve, reject) => {
          this.current = { tag, what, onFetch, untagged: [], resolve, reject };
        },
      );
      await this.wire.writeLine(`${tag} ${command}`).catch(() => undefined);
      return answer;
    };
    const result = this.turn.then(go, go);
    this.turn = result.catch(() => undefined);
    return result;
  }

  private onData(chunk: Buffer): void {
    try {
      this.framer.push(chunk);
    } catch (e) {
      // Unreadable: nothing after it can be trusted. The connection goes; the call is retried.
      this.queue.length = 0;
      this.lostWith = new Error(`unreadable response: ${(e as Error).message}`);
      this.wire.close();
    }
    void this.pump();
  }

  private onLost(e: Error): void {
    this.lostWith ??= e;
    void this.pump();
  }

  /** Hands responses over in order, pausing the socket while a handler's promise is pending. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let r = this.queue.shift(); r; r = this.queue.shift()) {
        const waiting = this.deliver(r);
        if (!waiting) continue;
        this.wire.pause();
        const running = this.current;
        await waiting.catch((e: unknown) => {
          if (running) running.failed ??= e;
        });
      }
    } finally {
      this.pumping = false;
      this.wire.resume();
    }
    const running = this.current;
    if (this.lostWith && running) {
      this.current = undefined;
      running.reject(this.lost(running.what));
    }
  }

  private deliver(r: ParsedResponse): Promise<void> | undefined {
    const running = this.current;
    if (r.kind === 'fetch') {
      if (!running?.onFetch || running.failed !== undefined) return undefined;
      try {
        return running.onFetch(r) ?? undefined;
      } catch (e) {
        running.failed = e;
        return undefined;
      }
    }
    if (r.tag === '*' || r.tag === '+') {
      running?.untagged.push(r);
      return undefined;
    }
    if (!running || r.tag !== running.tag) return undefined;
    this.current = undefined;
    if (running.failed !== undefined) running.reject(running.failed);
    else if (r.status === 'OK') running.resolve({ tagged: r, untagged: running.untagged });
    else running.reject(this.wire.commandError({ ...r, codeArgs: r.codeArgs }));
    return undefined;
  }

  private lost(what: string): MailError {
    const why = this.lostWith?.message ?? 'connection closed';
    return new MailError(
      MailErrorCode.connectionLost,
      `source: the connection dropped during ${what} (${why})`,
      { side: 'source' },
    );
  }
}
