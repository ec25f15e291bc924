import type { ImapFlow } from 'imapflow';
import { doublingBackoff } from '../domain/backoff';
import {
  APPEND_BATCH_MESSAGES,
  FIRST_BACKOFF_MS,
  MAX_BACKOFF_MS,
  MAX_FOLDER_SEGMENT,
  MAX_INLINE_BACKOFF_MS,
  MAX_RETRIES,
} from './limits';
import {
  MailError,
  MailErrorCode,
  isConnectionError,
  isMissingFolder,
  isTemporaryRefusal,
  serverText,
  throttleDelayMs,
} from './errors';
import { closeImap, openImap } from './login';
import { sleep, withRetry } from './retry';
import { AppendWriter, literalMode, type AppendWriterOptions } from './append/writer';
import { roleOf } from './roles';
import type { ImapEndpoint, MailboxLogin } from './settings';
import type {
  AppendResult,
  Fingerprint,
  MailTarget,
  TargetCapabilities,
  TargetFolder,
  TargetMessage,
} from './target';
import { wholeBody } from './target';

/**
 * The IMAP target: a few connections (one command at a time each, so parallel APPENDs need several),
 * APPEND with the original flags and INTERNALDATE, APPENDUID recorded when the server has UIDPLUS.
 */
export class ImapTarget implements MailTarget {
  readonly capabilities: TargetCapabilities;
  private readonly free: ImapFlow[] = [];
  private readonly waiting: Array<(c: ImapFlow) => void> = [];
  /**
   * Appends go out on a connection of their own, pipelined (non-synchronizing literals where the
   * server takes LITERAL+ or LITERAL-); none with `pipeline: false` (imapflow's own APPEND).
   */
  private readonly writer: AppendWriter | undefined;
  private readonly multiAppend: boolean;

  private constructor(
    private readonly endpoint: ImapEndpoint,
    private readonly login: MailboxLogin,
    first: ImapFlow,
    delimiter: string,
    pipeline: boolean,
    pipelineBounds: AppendWriterOptions,
  ) {
    const appendLimit = first.capabilities.get('APPENDLIMIT');
    const configured = endpoint.maxMessageSizeMB * 1024 * 1024;
    this.capabilities = {
      delimiter,
      maxMessageBytes: typeof appendLimit === 'number' ? Math.min(appendLimit, configured) : configured,
      appendConcurrency: endpoint.connections,
      // Many per call: in one MULTIAPPEND, or pipelined one by one by the append writer.
      appendBatch: pipeline ? APPEND_BATCH_MESSAGES : 1,
      returnsIds: first.capabilities.has('UIDPLUS'),
      // eslint-disable-next-line no-control-regex
      illegalNameChars: /[\u0000-\u001f\u007f*%]/g,
    };
    this.free.push(first);
    this.multiAppend = first.capabilities.has('MULTIAPPEND');
    this.writer = pipeline
      ? new AppendWriter(endpoint, login, literalMode(first.capabilities), pipelineBounds)
      : undefined;
  }

  /**
   * `options.pipeline: false` keeps imapflow's APPEND path (the benchmark's comparison);
   * `commandsInFlight` / `closesAfterErrors` bound the append pipeline (see AppendWriterOptions).
   */
  static async open(
    endpoint: ImapEndpoint,
    login: MailboxLogin,
    options: { pipeline?: boolean } & AppendWriterOptions = {},
  ): Promise<ImapTarget> {
    const first = await openImap(endpoint, login, 'target');
    const root = await first.list({ statusQuery: undefined }).catch(() => []);
    const delimiter = root.find((f) => f.delimiter)?.delimiter ?? '/';
    const { pipeline = true, ...bounds } = options;
    const target = new ImapTarget(endpoint, login, first, delimiter, pipeline, bounds);
    // Further connections open on demand up to `connections`.
    return target;
  }

  private opened = 1;

  private async acquire(): Promise<ImapFlow> {
    const c = this.free.pop();
    if (c) return c;
    if (this.opened < this.endpoint.connections) {
      this.opened++;
      try {
        return await openImap(this.endpoint, this.login, 'target');
      } catch (e) {
        this.opened--;
        throw e;
      }
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(c: ImapFlow): void {
    const next = this.waiting.shift();
    if (next) next(c);
    else this.free.push(c);
  }

  /**
   * Runs `op` on a pooled connection, reconnecting after a drop and backing off when throttled.
   * `once`: a command that stores something (APPEND) is never sent again after a dropped connection,
   * because the server may have stored it and only the answer was lost: the drop becomes
   * MAIL_APPEND_OUTCOME_UNKNOWN and the engine looks on the target before appending again.
   * Throttling answers (a NO: nothing stored) are still waited out and retried.
   */
  private async run<T>(what: string, op: (c: ImapFlow) => Promise<T>, once = false): Promise<T> {
    let c = await this.acquire();
    try {
      return await withRetry(
        what,
        async () => {
          try {
            return await op(c);
          } catch (e) {
            if (once && isConnectionError(e)) {
              throw new MailError(
                MailErrorCode.appendUnknown,
                `${what}: the connection dropped before the server answered (${serverText(e)}); whether it stored the messages is unknown`,
                { retryAfterMs: 0 },
              );
            }
            throw e;
          }
        },
        async () => {
          await closeImap(c);
          c = await openImap(this.endpoint, this.login, 'target');
        },
      );
    } finally {
      if (c.usable) this.release(c);
      else {
        this.opened--;
        const next = this.waiting.shift();
        // Open a replacement for a waiter; if that fails, the waiter keeps its place for the next release.
        if (next) void this.acquire().then(next, () => this.waiting.unshift(next));
      }
    }
  }

  async listFolders(): Promise<TargetFolder[]> {
    const list = await this.run('LIST', (c) => c.list());
    return list
      .filter((f) => !f.flags.has('\\NonExistent'))
      .map((f) => ({ path: f.path, role: roleOf(f.specialUse, f.path) }));
  }

  async ensureFolder(path: string): Promise<void> {
    const segments = path.split(this.capabilities.delimiter);
    if (segments.some((s) => !s || s.length > MAX_FOLDER_SEGMENT)) {
      throw new MailError(MailErrorCode.folderCreateFailed, `target folder name is not valid: ${path}`, {
        folder: path,
      });
    }
    await this.run('CREATE', async (c) => {
      try {
        await c.mailboxCreate(segments);
      } catch (e) {
        // The session dropped (a token that expired, a network cut): not a refusal. run() reconnects
        // and sends CREATE again, which is safe: a folder that came to exist is success below.
        if (isConnectionError(e)) throw e;
        // ALREADYEXISTS (or a server that just says NO for an existing folder) is success.
        const exists = await c.status(path, { messages: true }).then(
          () => true,
          (lost: unknown) => {
            if (isConnectionError(lost)) throw lost;
            return false;
          },
        );
        if (!exists) {
          throw new MailError(
            MailErrorCode.folderCreateFailed,
            `cannot create target folder ${path}: ${serverText(e)}`,
            {
              folder: path,
            },
          );
        }
      }
    });
  }

  async append(folder: string, messages: TargetMessage[]): Promise<AppendResult[]> {
    try {
      return await this.appendOnce(folder, messages);
    } catch (e) {
      // The folder was deleted or renamed on the target meanwhile (NO [TRYCREATE]; nothing was
      // stored): create it again and append once more.
      if (!isMissingFolder(e)) throw e;
      await this.ensureFolder(folder);
      return this.appendOnce(folder, messages);
    }
  }

  private async appendOnce(folder: string, messages: TargetMessage[]): Promise<AppendResult[]> {
    if (this.writer) return this.appendPipelined(this.writer, folder, messages);
    // imapflow's public APPEND, one message per command (appendBatch is 1 on this path).
    const out: AppendResult[] = [];
    for (const m of messages) {
      try {
        const res = await this.run(
          'APPEND',
          async (c) => {
            // imapflow takes one Buffer: a streamed body is read whole here (the writer streams it).
            const content = await wholeBody(m.content);
            const r = await c.append(folder, content, appendFlags(m.flags), m.internalDate);
            // imapflow answers nothing (no error) on a connection that is no longer logged in.
            if (!r && !c.usable)
              throw Object.assign(new Error('Connection not available'), { code: 'NoConnection' });
            return r;
          },
          true,
        );
        out.push(
          res
            ? { ok: true, id: res.uid ? String(res.uid) : undefined }
            : { ok: false, reason: 'the target refused the message' },
        );
      } catch (e) {
        if (!isRefusal(e) || isMissingFolder(e)) throw e;
        out.push({ ok: false, reason: serverText(e), ...(isTemporaryRefusal(e) ? { temporary: true } : {}) });
      }
    }
    return out;
  }

  /**
   * The writer's path: the same outcomes as the imapflow path below. MULTIAPPEND first (all or
   * nothing; a refusal sends them one by one to find the culprit), else single APPENDs pipelined.
   * A drop with appends unanswered is MAIL_APPEND_OUTCOME_UNKNOWN for the call, never a resend;
   * throttled appends (a NO: nothing stored) wait as the server says and go again.
   */
  private async appendPipelined(
    writer: AppendWriter,
    folder: string,
    messages: TargetMessage[],
  ): Promise<AppendResult[]> {
    const once = async <T>(op: () => Promise<T>): Promise<T> => {
      try {
        return await op();
      } catch (e) {
        if (!isConnectionError(e)) throw e;
        throw new MailError(
          MailErrorCode.appendUnknown,
          `APPEND: the connection dropped before the server answered (${serverText(e)}); whether it stored the messages is unknown`,
          { retryAfterMs: 0 },
        );
      }
    };
    const noReconnect = async (): Promise<void> => undefined;
    if (messages.length > 1 && this.multiAppend) {
      try {
        const ids = await withRetry(
          'APPEND',
          () => once(() => writer.multiAppend(folder, messages)),
          noReconnect,
        );
        return messages.map((_, i) => ({ ok: true, id: ids[i] }));
      } catch (e) {
        if (!isRefusal(e) || isMissingFolder(e)) throw e;
      }
    }
    const out = new Array<AppendResult | undefined>(messages.length);
    let todo = messages.map((_, i) => i);
    // Throttled appends (answered NO/BAD "throttled", or held back by the writer during the back-off:
    // nothing stored) go again, and only they, once the server's back-off has passed. The rounds
    // without any append stored are bounded, not the rounds: under steady throttling every round
    // stores a few. A back-off longer than a call should sleep ends the call (MAIL_THROTTLED with
    // retryAfterMs): this group's stored appends are then found by the lookup of the next call.
    for (let stalled = 0; todo.length;) {
      const outcomes = await once(() =>
        writer.appendEach(
          folder,
          todo.map((i) => messages[i] as TargetMessage),
        ),
      );
      const throttled: number[] = [];
      let wait = 0;
      let throttle: unknown;
      outcomes.forEach((o, k) => {
        const i = todo[k] as number;
        const delay = o.ok ? undefined : throttleDelayMs(o.error);
        if (o.ok) out[i] = { ok: true, id: o.uid };
        else if (isMissingFolder(o.error)) throw o.error;
        else if (delay !== undefined) {
          throttled.push(i);
          wait = Math.max(wait, delay);
          throttle = o.error;
        } else
          out[i] = {
            ok: false,
            reason: serverText(o.error),
            ...(isTemporaryRefusal(o.error) ? { temporary: true } : {}),
          };
      });
      stalled = throttled.length < todo.length ? 0 : stalled + 1;
      todo = throttled;
      if (!todo.length) break;
      if (wait > MAX_INLINE_BACKOFF_MS || stalled > MAX_RETRIES) {
        throw new MailError(MailErrorCode.throttled, `APPEND: ${serverText(throttle)}`, {
          retryAfterMs: wait || MAX_BACKOFF_MS,
        });
      }
      // `[THROTTLED]` without a time: back off as for a dropped connection.
      await sleep(wait || doublingBackoff(stalled, FIRST_BACKOFF_MS, MAX_BACKOFF_MS));
    }
    return out.map((r) => r ?? { ok: false, reason: 'the target refused the message' });
  }

  async findExisting(folder: string, items: Fingerprint[]): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    if (!items.length) return found;
    await this.run('SEARCH', async (c) => {
      try {
        await c.mailboxOpen(folder, { readOnly: true });
      } catch (e) {
        // A target folder deleted meanwhile holds nothing: every message is still to append.
        if (isMissingFolder(e)) return;
        throw e;
      }
      for (const item of items) {
        const query: Record<string, unknown> = { larger: item.size - 1, smaller: item.size + 1 };
        if (item.messageId) query.header = { 'message-id': item.messageId };
        const uids = (await c.search(query, { uid: true })) || [];
        if (!uids.length) continue;
        const want = Math.floor(item.internalDate.getTime() / 1000);
        const hits: string[] = [];
        for await (const m of c.fetch(uids.join(','), { uid: true, internalDate: true }, { uid: true })) {
          const d = m.internalDate instanceof Date ? m.internalDate : new Date(String(m.internalDate));
          if (Math.floor(d.getTime() / 1000) === want) hits.push(String(m.uid));
        }
        if (hits.length) found.set(item.key, hits);
      }
    });
    return found;
  }

  async setFlags(folder: string, changes: Array<{ id: string; flags: string[] }>): Promise<void> {
    if (!changes.length) return;
    // One STORE per distinct flag set: flag changes cluster (a batch of \Seen), so this stays small.
    const bySet = new Map<string, { flags: string[]; ids: string[] }>();
    for (const ch of changes) {
      const flags = ch.flags.filter((f) => f.toLowerCase() !== '\\recent').sort();
      const k = flags.join(' ');
      const entry = bySet.get(k) ?? { flags, ids: [] };
      entry.ids.push(ch.id);
      bySet.set(k, entry);
    }
    await this.run('STORE', async (c) => {
      await c.mailboxOpen(folder);
      for (const { flags, ids } of bySet.values()) {
        await c.messageFlagsSet(ids.join(','), flags, { uid: true, useLabels: false });
      }
      await leaveReadOnly(c, folder);
    });
  }

  async remove(folder: string, ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.run('EXPUNGE', async (c) => {
      await c.mailboxOpen(folder);
      await c.messageDelete(ids.join(','), { uid: true });
      await leaveReadOnly(c, folder);
    });
  }

  /** Every connection idle and logged in (the session pool returns only such a target). */
  get usable(): boolean {
    return this.waiting.length === 0 && this.free.length === this.opened && this.free.every((c) => c.usable);
  }

  /** The session pool's check before reuse: NOOP answered on every connection, the writer's too. */
  async healthy(): Promise<boolean> {
    if (!this.usable) return false;
    for (const c of this.free) await c.noop();
    if (!(await (this.writer?.healthy() ?? true))) return false;
    return this.usable;
  }

  async close(): Promise<void> {
    const all = this.free.splice(0);
    await Promise.all([...all.map((c) => closeImap(c)), this.writer?.close()]);
  }
}

/**
 * Never CLOSE a read-write selection: CLOSE expunges every \\Deleted message, and migrated mail keeps
 * its \\Deleted flag. Re-opening read-only (EXAMINE) deselects without expunging, and leaves no
 * read-write selection behind whose PERMANENTFLAGS would make imapflow filter an APPEND's keywords.
 */
async function leaveReadOnly(c: ImapFlow, folder: string): Promise<void> {
  await c.mailboxOpen(folder, { readOnly: true });
}

const appendFlags = (flags: string[]): string[] => flags.filter((f) => f.toLowerCase() !== '\\recent');

/** A NO/BAD to the command (or imapflow's own APPENDLIMIT check): the message, not the connection. */
function isRefusal(e: unknown): boolean {
  const err = e as { responseStatus?: string; serverResponseCode?: string } | undefined;
  return (
    err?.responseStatus === 'NO' || err?.responseStatus === 'BAD' || err?.serverResponseCode === 'APPENDLIMIT'
  );
}
