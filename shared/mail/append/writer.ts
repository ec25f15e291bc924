import { PIPELINE_BYTES_IN_FLIGHT, PIPELINE_COMMANDS_IN_FLIGHT } from '../limits';
import { throttleDelayMs } from '../errors';
import type { ImapEndpoint, MailboxLogin } from '../settings';
import { bodySize, isStreamed, type TargetMessage } from '../target';
import { openWire } from './auth';
import { CONTINUE, type CommandPart, type ImapCommandError, type ImapWire } from './connection';
import type { ServerResponse } from './responses';
import {
  LITERAL_MINUS_MAX,
  encodeMailboxUtf7,
  expandUidSet,
  flagList,
  formatInternalDate,
  literalPrefix,
  quoted,
} from './wire';

/**
 * The append writer: APPENDs without waiting for the server's `+` before each message literal,
 * where the server allows it (LITERAL+ for any size, LITERAL- up to 4096 bytes; RFC 7888).
 * imapflow waits one round trip per message over 4 KB; here a whole MULTIAPPEND goes out in one
 * write, or, without MULTIAPPEND (Exchange), single APPENDs follow one another on the wire while
 * the server answers the earlier ones, bounded by PIPELINE_BYTES_IN_FLIGHT. A server with neither
 * extension gets synchronizing literals (`sync`): each waits for its `+`, but the next APPEND still
 * goes out before the previous one is answered.
 *
 * It has its own connection, opened on first use and again after a drop. It never sends an APPEND
 * twice: a connection lost with appends unanswered throws the connection's error, and the caller
 * makes that MAIL_APPEND_OUTCOME_UNKNOWN (answered appends of that call are then found on the target).
 */
export type LiteralMode = 'plus' | 'minus' | 'sync';

/** One single APPEND's answer: stored (with its UID under UIDPLUS) or the server's NO/BAD. */
export type PipelinedOutcome = { ok: true; uid?: string } | { ok: false; error: ImapCommandError };

export function literalMode(capabilities: { has(name: string): boolean }): LiteralMode {
  if (capabilities.has('LITERAL+')) return 'plus';
  if (capabilities.has('LITERAL-')) return 'minus';
  return 'sync';
}

/** Per-target bounds of the pipeline (Exchange Online: see exchange-online.ts). */
export interface AppendWriterOptions {
  /** Appends sent and not yet answered, at most (default PIPELINE_COMMANDS_IN_FLIGHT). */
  commandsInFlight?: number;
  /**
   * The server closes a connection after this many errors (NO/BAD) on it: the writer moves to a
   * fresh connection while one more throttling (which costs up to `commandsInFlight` errors: the
   * appends already on the wire arrive during the back-off) could still reach it.
   */
  closesAfterErrors?: number;
}

export class AppendWriter {
  private wire: ImapWire | undefined;
  private opening: Promise<ImapWire> | undefined;
  private bytesInFlight = 0;
  private commandsInFlight = 0;
  private readonly roomWaiters: Array<() => void> = [];
  /** The folder each connection has selected for its appends (see `select`). */
  private readonly selected = new WeakMap<ImapWire, string>();
  /** Errors (NO/BAD) each connection has answered. */
  private readonly errors = new WeakMap<ImapWire, number>();
  /** A throttling answer: nothing more is sent until then (ms since the epoch), on any connection. */
  private holdUntil = 0;
  private holdReason = '';

  constructor(
    private readonly endpoint: ImapEndpoint,
    private readonly login: MailboxLogin,
    readonly mode: LiteralMode,
    private readonly options: AppendWriterOptions = {},
  ) {}

  /**
   * MULTIAPPEND (RFC 3502) in one write: all messages are stored, in order, or none. Answers the
   * new UIDs when the server has UIDPLUS. A NO/BAD throws the server's refusal; a drop throws the
   * connection's error.
   */
  async multiAppend(folder: string, messages: TargetMessage[]): Promise<Array<string | undefined>> {
    const wire = await this.connection();
    this.select(wire, folder);
    const parts: CommandPart[] = [`APPEND ${this.mailbox(folder)}`];
    let bytes = 0;
    for (const m of messages) {
      parts.push(' ', ...this.messageParts(wire, m));
      bytes += bodySize(m.content);
    }
    const answer = await this.sendBounded(wire, parts, bytes);
    const uids = appendUids(answer);
    return uids.length === messages.length ? uids : messages.map(() => undefined);
  }

  /**
   * One APPEND per message, pipelined: answers in order, one per message. Throws the connection's
   * error when the connection dropped before every append was answered.
   */
  async appendEach(folder: string, messages: TargetMessage[]): Promise<PipelinedOutcome[]> {
    const wire = await this.connection();
    this.select(wire, folder);
    const answers: Array<Promise<ServerResponse>> = [];
    for (const m of messages) {
      if (!wire.usable) break;
      const parts = [`APPEND ${this.mailbox(folder)} `, ...this.messageParts(wire, m)];
      const answer = this.sendBounded(wire, parts, bodySize(m.content));
      // Settled below; a rejection must not count as unhandled while later appends are written.
      answer.catch(() => undefined);
      answers.push(answer);
    }
    const settled = await Promise.allSettled(answers);
    const out: PipelinedOutcome[] = [];
    for (const s of settled) {
      if (s.status === 'fulfilled') {
        out.push({ ok: true, uid: appendUids(s.value)[0] });
        continue;
      }
      const error = s.reason as ImapCommandError;
      if (!error.responseStatus) throw s.reason;
      out.push({ ok: false, error });
    }
    // Not every append was sent (the connection went away between two of them).
    if (out.length < messages.length)
      throw Object.assign(new Error('Connection closed'), { code: 'EConnectionClosed' });
    return out;
  }

  /** NOOP on an open connection; true without one (it opens on first use). */
  async healthy(): Promise<boolean> {
    if (!this.wire) return true;
    if (!this.wire.usable) return false;
    await this.wire.command(['NOOP']);
    return this.wire.usable;
  }

  async close(): Promise<void> {
    const wire = this.wire;
    this.wire = undefined;
    await wire?.logout();
  }

  private async connection(): Promise<ImapWire> {
    if (this.wire?.usable && !this.worn(this.wire)) return this.wire;
    // Worn out by errors: logged out after the commands already on it are answered.
    if (this.wire?.usable) void this.wire.logout();
    this.wire = undefined;
    this.opening ??= openWire(this.endpoint, this.login).finally(() => (this.opening = undefined));
    this.wire = await this.opening;
    return this.wire;
  }

  /** Sends once the bytes and commands in flight leave room (always when nothing is in flight). */
  private async sendBounded(wire: ImapWire, parts: CommandPart[], bytes: number): Promise<ServerResponse> {
    while (
      this.commandsInFlight > 0 &&
      (this.bytesInFlight + bytes > PIPELINE_BYTES_IN_FLIGHT ||
        this.commandsInFlight >= (this.options.commandsInFlight ?? PIPELINE_COMMANDS_IN_FLIGHT))
    ) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    const held = this.held();
    if (held) throw held;
    this.bytesInFlight += bytes;
    this.commandsInFlight++;
    try {
      return await wire.send(wire.nextTag(), parts);
    } catch (e) {
      // Noted before the room is handed on (finally): the next append sees the hold and stays back.
      this.noteError(wire, e);
      throw e;
    } finally {
      this.bytesInFlight -= bytes;
      this.commandsInFlight--;
      for (const wake of this.roomWaiters.splice(0)) wake();
    }
  }

  /**
   * A NO/BAD counts towards the connection's errors; a throttling answer (`Suggested Backoff Time`)
   * stops every further append until the back-off has passed: the server counts each command that
   * arrives during it as one more error.
   */
  private noteError(wire: ImapWire, e: unknown): void {
    if (!(e as Partial<ImapCommandError>).responseStatus) return;
    this.errors.set(wire, (this.errors.get(wire) ?? 0) + 1);
    const wait = throttleDelayMs(e);
    if (wait === undefined || wait <= 0) return;
    this.holdUntil = Math.max(this.holdUntil, Date.now() + wait);
    this.holdReason = (e as ImapCommandError).responseText;
  }

  /** During a back-off: the refusal an append gets instead of being sent (a NO: nothing stored). */
  private held(): ImapCommandError | undefined {
    const left = this.holdUntil - Date.now();
    if (left <= 0) return undefined;
    const text = `Request is throttled. Suggested Backoff Time: ${left} milliseconds (not sent: the server answered "${this.holdReason}")`;
    return Object.assign(new Error(text), { responseStatus: 'NO', responseText: text });
  }

  private worn(wire: ImapWire): boolean {
    const limit = this.options.closesAfterErrors;
    const depth = this.options.commandsInFlight ?? PIPELINE_COMMANDS_IN_FLIGHT;
    return limit !== undefined && (this.errors.get(wire) ?? 0) + depth >= limit;
  }

  /**
   * SELECT the folder before appending into it, pipelined ahead of the APPENDs (no wait): Dovecot
   * appends into the selected mailbox as it is, instead of opening the mailbox and its index for
   * every APPEND (single APPENDs go about twice as fast; mbsync selects too). Nothing here ever
   * sends CLOSE or EXPUNGE, so a read-write selection removes nothing. A refused SELECT (a folder
   * gone) leaves none: the APPEND's own answer (TRYCREATE) then says what happened.
   */
  private select(wire: ImapWire, folder: string): void {
    if (this.selected.get(wire) === folder || this.held()) return;
    this.selected.set(wire, folder);
    wire.send(wire.nextTag(), [`SELECT ${this.mailbox(folder)}`]).catch(() => {
      if (this.selected.get(wire) === folder) this.selected.delete(wire);
    });
  }

  private mailbox(folder: string): string {
    const encoded = encodeMailboxUtf7(folder);
    return quoted(encoded) ?? `"${encoded}"`;
  }

  /**
   * `(flags) "date" {n+}\r\n<bytes>`: flags, INTERNALDATE and the message as a literal, non-sync
   * where the server allows it, else `{n}` and the server's `+` before the bytes.
   */
  private messageParts(wire: ImapWire, m: TargetMessage): CommandPart[] {
    const body = m.content;
    const size = bodySize(body);
    // A streamed body's NUL bytes are known only once it was read whole: a first attempt goes as a
    // plain literal, and a resend of one that had NULs (refused) as literal8.
    const hasNul = isStreamed(body) ? body.hasNul === true : body.includes(0);
    const binary = wire.capabilities.has('BINARY') && hasNul;
    const nonSync = this.mode === 'plus' || (this.mode === 'minus' && size <= LITERAL_MINUS_MAX);
    return [
      `${flagList(m.flags)} ${formatInternalDate(m.internalDate)} `,
      literalPrefix(size, nonSync, binary),
      ...(nonSync ? [] : [CONTINUE]),
      // Streamed: read from the source now, slice by slice, as the socket takes it.
      isStreamed(body) ? { stream: body.read() } : body,
    ];
  }
}

/** `[APPENDUID uidvalidity uid-set]` → the new UIDs in order (none without UIDPLUS). */
function appendUids(answer: ServerResponse): string[] {
  if (answer.code !== 'APPENDUID') return [];
  return expandUidSet(answer.codeArgs[1] ?? '').map(String);
}
