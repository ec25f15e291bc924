import net from 'node:net';
import tls from 'node:tls';
import { CONNECT_TIMEOUT_MS, SOCKET_TIMEOUT_MS } from '../limits';
import { DEFAULT_PORTS, tlsOptions } from '../login';
import type { ImapEndpoint } from '../settings';
import { ResponseReader, type ServerResponse } from './responses';

/**
 * One IMAP connection of the append writer (node:net / node:tls, no imapflow): greeting, STARTTLS
 * or implicit TLS with the endpoint's certificate rules, CAPABILITY, and tagged commands that may be
 * PIPELINED: `send` writes a command at once and returns a promise for its own tagged answer, so
 * many commands can be on the wire together. Answers are matched by tag.
 *
 * Errors are shaped as the engine's classifiers (shared/mail/errors.ts) read imapflow's: a NO/BAD
 * carries `responseStatus`, `responseText` and `serverResponseCode`; a lost connection has code
 * `EConnectionClosed` (or the socket's own ECONNRESET, ETIMEDOUT...).
 */

export interface ImapCommandError extends Error {
  responseStatus: string;
  responseText: string;
  serverResponseCode?: string;
}

/**
 * A piece of a command on the wire: text, message bytes, message bytes streamed as they come, or
 * CONTINUE: wait for the server's `+` before writing on (after a synchronizing literal's `{n}`).
 */
export type CommandPart = string | Buffer | { stream: AsyncIterable<Buffer> } | typeof CONTINUE;
export const CONTINUE = Object.freeze({ continue: true as const });

/** A reader of its own for a connection's incoming bytes (see `ImapWire.divert`). */
export interface DivertedReader {
  data(chunk: Buffer): void;
  lost(e: Error): void;
}

interface Pending {
  resolve(r: ServerResponse): void;
  reject(e: Error): void;
}

export class ImapWire {
  readonly capabilities = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private continuation: ((r: ServerResponse) => void) | undefined;
  private greeted: ((r: ServerResponse) => void) | undefined;
  private lost: Error | undefined;
  private tags = 0;
  private writing: Promise<void> = Promise.resolve();
  private socket: net.Socket;
  private reader: ResponseReader;
  /** Set by `divert`: who gets the incoming bytes instead of the response reader. */
  private diverted: DivertedReader | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.reader = new ResponseReader((r) => this.dispatch(r));
    this.attach(socket);
  }

  /** Connects, reads the greeting, upgrades with STARTTLS where configured, reads CAPABILITY. */
  static async connect(endpoint: ImapEndpoint): Promise<ImapWire> {
    const port = endpoint.port ?? DEFAULT_PORTS[endpoint.security];
    const servername = net.isIP(endpoint.host) ? undefined : endpoint.host;
    const socket =
      endpoint.security === 'tls'
        ? tls.connect({ host: endpoint.host, port, servername, ...tlsOptions(endpoint) })
        : net.connect({ host: endpoint.host, port });
    const wire = new ImapWire(socket);
    const timer = setTimeout(
      () => wire.fail(Object.assign(new Error('connection timeout'), { code: 'ETIMEDOUT' })),
      CONNECT_TIMEOUT_MS,
    );
    try {
      const greeting = await wire.waitGreeting();
      if (greeting.status === 'BYE') throw wire.commandError(greeting);
      await wire.refreshCapabilities(greeting);
      if (endpoint.security === 'starttls') {
        await wire.command(['STARTTLS']);
        await wire.upgrade(servername, endpoint);
        await wire.refreshCapabilities();
      }
    } catch (e) {
      wire.close();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return wire;
  }

  get usable(): boolean {
    return !this.lost;
  }

  nextTag(): string {
    return `W${++this.tags}`;
  }

  /**
   * Writes `tag parts...\r\n` now (after commands already queued) and answers with its tagged OK.
   * Parts are written back to back, except that a CONTINUE waits for the server's `+`; when the
   * server answers the command instead (a NO before the literal), the rest is not written.
   */
  send(tag: string, parts: CommandPart[]): Promise<ServerResponse> {
    if (this.lost) return Promise.reject(this.lost);
    const answer = new Promise<ServerResponse>((resolve, reject) =>
      this.pending.set(tag, { resolve, reject }),
    );
    this.enqueue([`${tag} `, ...parts, '\r\n'], answer).catch((e: unknown) => this.fail(asError(e)));
    return answer;
  }

  /** One command, not pipelined. */
  command(parts: CommandPart[]): Promise<ServerResponse> {
    return this.send(this.nextTag(), parts);
  }

  /** Resolves at the next `+` continuation (AUTHENTICATE exchanges). */
  nextContinuation(): Promise<ServerResponse> {
    return new Promise((resolve) => (this.continuation = resolve));
  }

  /** Writes raw bytes after what is queued (an AUTHENTICATE answer). */
  writeLine(line: string): Promise<void> {
    return this.enqueue([line, '\r\n']);
  }

  async logout(): Promise<void> {
    if (this.lost) return;
    await Promise.race([
      this.command(['LOGOUT']).catch(() => undefined),
      new Promise((r) => setTimeout(r, 2000).unref()),
    ]);
    this.close();
  }

  /**
   * Hands every byte received from now on to `to` instead of this connection's own response reader
   * (the source's FETCH reader parses literals itself), and tells it when the connection is lost.
   * Commands are then written with `writeLine`; answers to `send`/`command` no longer come.
   */
  divert(to: DivertedReader): void {
    this.diverted = to;
  }

  /** Stops reading from the socket (the diverted reader's consumer is busy): TCP backpressure. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    if (!this.lost) this.socket.resume();
  }

  close(): void {
    this.fail(Object.assign(new Error('Connection closed'), { code: 'EConnectionClosed' }));
  }

  async refreshCapabilities(from?: ServerResponse): Promise<void> {
    if (from?.code === 'CAPABILITY') return this.setCapabilities(from.codeArgs);
    await this.command(['CAPABILITY']);
  }

  commandError(r: ServerResponse): ImapCommandError {
    return Object.assign(new Error(r.text || `${r.status} without text`), {
      responseStatus: r.status,
      responseText: r.text,
      ...(r.code ? { serverResponseCode: r.code } : {}),
    });
  }

  private setCapabilities(list: string[]): void {
    this.capabilities.clear();
    for (const c of list) this.capabilities.add(c.toUpperCase());
  }

  private waitGreeting(): Promise<ServerResponse> {
    return new Promise((resolve, reject) => {
      this.greeted = resolve;
      this.pending.set('', { resolve, reject });
    });
  }

  private dispatch(r: ServerResponse): void {
    if (this.greeted) {
      const greeted = this.greeted;
      this.greeted = undefined;
      this.pending.delete('');
      greeted(r);
      return;
    }
    if (r.tag === '+') {
      const next = this.continuation;
      this.continuation = undefined;
      next?.(r);
      return;
    }
    if (r.tag === '*') {
      if (r.status === 'CAPABILITY') this.setCapabilities(r.text.split(/\s+/).filter(Boolean));
      else if (r.code === 'CAPABILITY') this.setCapabilities(r.codeArgs);
      // BYE: the server closes; pending commands fail when the socket does.
      return;
    }
    const waiting = this.pending.get(r.tag);
    if (!waiting) return;
    this.pending.delete(r.tag);
    if (r.code === 'CAPABILITY') this.setCapabilities(r.codeArgs);
    if (r.status === 'OK') waiting.resolve(r);
    else waiting.reject(this.commandError(r));
  }

  private attach(socket: net.Socket): void {
    socket.setTimeout(SOCKET_TIMEOUT_MS);
    socket.on('timeout', () => this.fail(Object.assign(new Error('socket timeout'), { code: 'ETIMEDOUT' })));
    socket.on('data', this.onData);
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () =>
      this.fail(Object.assign(new Error('Connection closed'), { code: 'EConnectionClosed' })),
    );
  }

  private readonly onData = (chunk: Buffer): void => {
    try {
      if (this.diverted) this.diverted.data(chunk);
      else this.reader.push(chunk);
    } catch (e) {
      this.fail(asError(e));
    }
  };

  /** STARTTLS succeeded: the same TCP connection continues under TLS. */
  private async upgrade(servername: string | undefined, endpoint: ImapEndpoint): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('timeout');
    plain.removeAllListeners('error');
    plain.removeAllListeners('close');
    const secure = tls.connect({ socket: plain, servername, ...tlsOptions(endpoint) });
    this.socket = secure;
    this.attach(secure);
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
  }

  private enqueue(parts: CommandPart[], answer?: Promise<ServerResponse>): Promise<void> {
    const done = this.writing.then(() => this.writeParts(parts, answer));
    this.writing = done.catch(() => undefined);
    return done;
  }

  /**
   * Writes with the socket's backpressure: a large message never piles up in memory here. Parts
   * already in memory (text and message Buffers, up to the next `+` wait or streamed body) go out
   * corked, as one writev: a MULTIAPPEND of 250 messages is one system call instead of 750 writes,
   * each with its own turn of the stream machinery. Corking copies nothing: the socket keeps
   * references to the Buffers the caller holds anyway.
   */
  private async writeParts(parts: CommandPart[], answer?: Promise<ServerResponse>): Promise<void> {
    for (let i = 0; i < parts.length;) {
      let end = i;
      while (end < parts.length && isInline(parts[end] as CommandPart)) end++;
      if (end > i) {
        await this.writeInline(parts.slice(i, end) as Array<string | Buffer>);
        i = end;
        continue;
      }
      const part = parts[i++] as Exclude<CommandPart, string | Buffer>;
      if ('stream' in part) for await (const chunk of part.stream) await this.writeChunk(chunk);
      else if (!(await this.continued(answer))) return;
    }
  }

  private async writeInline(chunks: Array<string | Buffer>): Promise<void> {
    if (this.lost) throw this.lost;
    this.socket.cork();
    let flowing = true;
    for (const chunk of chunks) flowing = this.socket.write(chunk);
    this.socket.uncork();
    if (!flowing) await this.drained();
  }

  /**
   * True at the server's `+`; false when the command was answered first (refused before its
   * literal: nothing more of it may be written). Writes are serialized, so the `+` is this command's.
   */
  private async continued(answer: Promise<ServerResponse> | undefined): Promise<boolean> {
    const plus = this.nextContinuation().then(() => true);
    if (!answer) return plus;
    return Promise.race([
      plus,
      answer.then(
        () => false,
        () => false,
      ),
    ]);
  }

  private async writeChunk(chunk: string | Buffer): Promise<void> {
    if (this.lost) throw this.lost;
    if (this.socket.write(chunk)) return;
    await this.drained();
  }

  /** Until the socket's buffer has gone out (or the connection is gone). */
  private drained(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** The connection is gone: every command without an answer fails with why. */
  private fail(e: Error): void {
    if (!this.lost) this.lost = e;
    const all = [...this.pending.values()];
    this.pending.clear();
    this.greeted = undefined;
    for (const p of all) p.reject(this.lost);
    if (!this.socket.destroyed) this.socket.destroy();
    this.diverted?.lost(this.lost);
  }
}

function isInline(part: CommandPart): part is string | Buffer {
  return typeof part === 'string' || Buffer.isBuffer(part);
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
