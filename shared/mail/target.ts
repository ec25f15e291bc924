/**
 * Where mail goes. Small on purpose: the IMAP target implements it here, the Graph target in
 * shared/graph. The engine owns ordering, chunking, checkpoints and the item index; a target only
 * stores messages and answers "is this one already there?".
 */

/** Folder roles mapped by role, not by name. */
export type FolderRole = 'inbox' | 'sent' | 'drafts' | 'trash' | 'junk' | 'archive';

export interface TargetFolder {
  /** Full path in the target's own hierarchy, segments joined with `delimiter`, decoded (UTF-8). */
  path: string;
  role?: FolderRole;
}

/** What identifies a copy on the target when the item index cannot say (crash between APPEND and index write). */
export interface Fingerprint {
  /** Engine's idempotency key: a hash of (source folder, UIDVALIDITY, UID). Graph may store it as an extended property. */
  key: string;
  /** Message-ID header value (without angle-bracket normalisation), absent when the message has none. */
  messageId?: string;
  size: number;
  internalDate: Date;
}

/**
 * A message too large to hold in memory: read from the source while it is written to the target,
 * in bounded slices. Its size is known up front (RFC822.SIZE), so an IMAP literal's length can go
 * out before its bytes. It cannot be replayed: every `read()` reads the source again, so a resend
 * (throttled, folder created again, a refusal tried once more) fetches the message anew.
 */
export interface StreamedBody {
  readonly size: number;
  /**
   * The message's bytes in order, fetched from the source as they are consumed. Throws when the
   * source delivers other than `size` bytes (a target must then drop what it was writing).
   */
  read(): AsyncIterable<Buffer>;
  /** Whether the last complete read met a NUL byte (IMAP needs a literal8 then); undefined before. */
  readonly hasNul: boolean | undefined;
}

/** A message body: whole in memory, or streamed from the source (one over LARGE_BODY_BYTES). */
export type MessageBody = Buffer | StreamedBody;

export function isStreamed(body: MessageBody): body is StreamedBody {
  return !Buffer.isBuffer(body);
}

export function bodySize(body: MessageBody): number {
  return isStreamed(body) ? body.size : body.length;
}

/** The whole body as one Buffer, for a path that cannot stream (it then holds the message once). */
export async function wholeBody(body: MessageBody): Promise<Buffer> {
  if (!isStreamed(body)) return body;
  const whole = Buffer.allocUnsafe(body.size);
  let at = 0;
  for await (const chunk of body.read()) {
    chunk.copy(whole, at);
    at += chunk.length;
  }
  return whole;
}

export interface TargetMessage extends Fingerprint {
  /** The message exactly as the source stored it; never modified. */
  content: MessageBody;
  /** IMAP system flags (`\Seen`, ...) and keywords (`$Forwarded`, `Project`). `\Recent` is never passed. */
  flags: string[];
}

export interface TargetCapabilities {
  /** Folder hierarchy separator used in `TargetFolder.path`. */
  delimiter: string;
  /** Largest message the target accepts, bytes. */
  maxMessageBytes: number;
  /** Append calls the engine may run at once for one mailbox. */
  appendConcurrency: number;
  /** Messages per append call (IMAP MULTIAPPEND, Graph $batch); 1 when the target takes one at a time. */
  appendBatch: number;
  /** `append` returns a target id (IMAP UIDPLUS, Graph ids). */
  returnsIds: boolean;
  /** Characters a folder-name segment may not contain on this target (besides the delimiter). */
  illegalNameChars: RegExp;
  /** The name to use instead of a segment the target reserves (under `parent`, '' at the top). */
  reservedFolderName?(name: string, parent: string): string | undefined;
  /** How to let a too-large message through, added to its skip reason. */
  tooLargeHint?: string;
}

/**
 * `temporary`: the target said "not now" (IMAP `NO [UNAVAILABLE]`, `[INUSE]`...): nothing was
 * stored, and the engine tries the message again on a later pass instead of listing it as failed.
 */
export type AppendResult = { ok: true; id?: string } | { ok: false; reason: string; temporary?: boolean };

export interface MailTarget {
  readonly capabilities: TargetCapabilities;
  listFolders(): Promise<TargetFolder[]>;
  /** Creates the folder (and its parents) when missing. Idempotent. */
  ensureFolder(path: string): Promise<void>;
  /**
   * Stores messages, in order; one result per message: its target id when the target can tell, or
   * why the target refused that message. Throttling errors throw (nothing stored). When a request
   * was sent and its answer lost (dropped connection, Graph 503/504), it throws
   * MAIL_APPEND_OUTCOME_UNKNOWN and never retries by itself: the engine looks the messages up with
   * `findExisting` and appends only those not there. A target folder deleted meanwhile is created
   * again. May be called concurrently.
   */
  append(folder: string, messages: TargetMessage[]): Promise<AppendResult[]>;
  /**
   * Target ids of messages in `folder` matching each fingerprint (by key where the target stores
   * it, else Message-ID + size + INTERNALDATE). Keys with no match are absent from the map.
   */
  findExisting(folder: string, items: Fingerprint[]): Promise<Map<string, string[]>>;
  /** Replaces the flags (and keywords) of messages by target id. */
  setFlags(folder: string, changes: Array<{ id: string; flags: string[] }>): Promise<void>;
  /** Removes messages by target id (only used when mirroring source deletions). */
  remove(folder: string, ids: string[]): Promise<void>;
  /** Every folder's message count (and bytes when known), by path; for reconciliation. Optional. */
  folderCounts?(): Promise<Map<string, { messages: number; bytes: number | null }>>;
  close(): Promise<void>;
}
