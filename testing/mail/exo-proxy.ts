import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * LOCAL STAND-IN — NOT EXCHANGE ONLINE. A loopback proxy in front of a real IMAP server (Dovecot)
 * that adds what Exchange Online does and Dovecot does not, as Microsoft documents it and as
 * administrators widely report it:
 *
 * - a session whose XOAUTH2 token has expired is ended at the next command with
 *   `* BYE Session invalidated - AccessTokenExpired` (Dovecot checks a token at login only);
 * - throttling: chosen commands are answered `BAD Request is throttled. Suggested Backoff Time: N
 *   milliseconds` instead of reaching the server; every command that arrives during the back-off is
 *   answered the same way (with the time left) and counts as an error too, and a connection is
 *   closed after ten errors;
 * - `\Flagged` given on APPEND is dropped (Exchange does not keep it for other clients), so only a
 *   STORE after the APPEND sets it.
 *
 * Everything else passes byte for byte. Counters let tests assert what a client did: whether it
 * ever sent a command into a throttling back-off ("hammered") or got closed for errors.
 */

export interface ExoProxyOptions {
  /** The real server behind it. */
  target: { host: string; port: number };
  /** Answer every `every`-th command named in `commands` (default APPEND) with throttling. */
  throttle?: { every: number; backoffMs: number; commands?: string[] };
  /** Drop `\Flagged` from APPEND flag lists (default true). */
  dropFlaggedOnAppend?: boolean;
  /** Errors after which a connection is closed (Exchange: about ten). */
  closeAfterErrors?: number;
  /** Added to every server answer, ms (Exchange's APPEND is slower than a local Dovecot's). */
  latencyMs?: number;
}

export interface ExoProxyStats {
  connections: number;
  commands: number;
  throttled: number;
  /** Commands a client sent on a connection before the suggested back-off had passed. */
  hammered: number;
  /**
   * Most commands that arrived during one back-off: a pipelining client that stops sending at the
   * throttling answer stays below its pipeline depth (those were on the wire already).
   */
  maxInOneBackoff: number;
  /** Most APPENDs passed to the server on one connection and not yet answered (pipeline depth). */
  maxAppendsInFlight: number;
  closedForErrors: number;
  expiredSessions: number;
  flaggedDropped: number;
}

export interface ExoProxy {
  host: string;
  port: number;
  stats: ExoProxyStats;
  stop(): Promise<void>;
}

const CRLF = Buffer.from('\r\n');
const LITERAL = /\{(\d+)(\+?)\}$/;

/** `exp` (seconds) of the JWT inside a SASL XOAUTH2 initial response, if it holds one. */
function tokenExpiry(line: string): number | undefined {
  const m = /^\S+ AUTHENTICATE XOAUTH2 (\S+)/i.exec(line);
  if (!m) return undefined;
  const sasl = Buffer.from(m[1]!, 'base64').toString('utf8');
  // user=...^Aauth=Bearer TOKEN^A^A (^A is the SASL separator, 0x01)
  const token = sasl
    .split('\u0001')
    .find((part) => part.startsWith('auth=Bearer '))
    ?.slice('auth=Bearer '.length);
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

export async function startExoProxy(options: ExoProxyOptions): Promise<ExoProxy> {
  const stats: ExoProxyStats = {
    connections: 0,
    commands: 0,
    throttled: 0,
    hammered: 0,
    maxInOneBackoff: 0,
    maxAppendsInFlight: 0,
    closedForErrors: 0,
    expiredSessions: 0,
    flaggedDropped: 0,
  };
  const throttleCommands = new Set((options.throttle?.commands ?? ['APPEND']).map((c) => c.toUpperCase()));
  const closeAfter = options.closeAfterErrors ?? 10;
  const dropFlagged = options.dropFlaggedOnAppend ?? true;
  let matching = 0;
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    stats.connections++;
    const upstream = connect(options.target.port, options.target.host);
    sockets.add(client);
    sockets.add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end);
    upstream.on('error', end);
    const latency = options.latencyMs ?? 0;
    client.on('close', end);
    upstream.on('close', () => (latency > 0 ? setTimeout(end, latency) : end()));
    if (latency > 0) {
      // Equal delays keep the order of the answers.
      upstream.on('data', (d: Buffer) => setTimeout(() => client.destroyed || client.write(d), latency));
      upstream.on('end', () => setTimeout(() => client.end(), latency));
    } else upstream.pipe(client);
    // APPENDs passed on and not yet answered: their tags, until the server's tagged answer.
    const appendsInFlight = new Set<string>();
    let answers = '';
    upstream.on('data', (d: Buffer) => {
      if (!appendsInFlight.size) {
        answers = '';
        return;
      }
      answers += d.toString('latin1');
      const lines = answers.split('\r\n');
      answers = (lines.pop() ?? '').slice(-4096);
      for (const l of lines) appendsInFlight.delete(l.slice(0, l.indexOf(' ')));
    });

    let pending = Buffer.alloc(0);
    /** Bytes of a literal still to pass (or swallow). */
    let literalLeft = 0;
    /** The current command continues after its literal (its first line is already handled). */
    let continuing = false;
    /** The current command is answered here and never reaches the server. */
    let swallow = false;
    let expiresAt: number | undefined;
    let errors = 0;
    let backoffUntil = 0;
    let inThisBackoff = 0;

    const sayAndClose = (line: string): void => {
      client.end(`${line}\r\n`);
      upstream.destroy();
    };

    /** Handles the first line of a command: returns the line to forward, or null when answered here. */
    const onCommand = (line: string): string | null => {
      const [tag = '*', name = ''] = line.split(' ', 3);
      const command = name.toUpperCase();
      if (!tag || command === '') return line;
      stats.commands++;
      const throttledNow = (ms: number): null => {
        stats.throttled++;
        errors++;
        client.write(`${tag} BAD Request is throttled. Suggested Backoff Time: ${ms} milliseconds\r\n`);
        if (errors >= closeAfter) {
          stats.closedForErrors++;
          sayAndClose('* BYE Connection closed after too many errors');
        }
        return null;
      };
      if (Date.now() < backoffUntil) {
        stats.hammered++;
        stats.maxInOneBackoff = Math.max(stats.maxInOneBackoff, ++inThisBackoff);
        return throttledNow(backoffUntil - Date.now());
      }
      const exp = tokenExpiry(line);
      if (exp !== undefined) expiresAt = exp * 1000;
      else if (expiresAt !== undefined && Date.now() >= expiresAt) {
        stats.expiredSessions++;
        sayAndClose('* BYE Session invalidated - AccessTokenExpired');
        return null;
      }
      const t = options.throttle;
      if (t && throttleCommands.has(command) && ++matching % t.every === 0) {
        backoffUntil = Date.now() + t.backoffMs;
        inThisBackoff = 0;
        return throttledNow(t.backoffMs);
      }
      if (command === 'APPEND') {
        appendsInFlight.add(tag);
        stats.maxAppendsInFlight = Math.max(stats.maxAppendsInFlight, appendsInFlight.size);
      }
      if (dropFlagged && command === 'APPEND' && /\\Flagged/i.test(line)) {
        stats.flaggedDropped++;
        return line.replace(/\\Flagged ?/gi, '').replace(/ \)/, ')');
      }
      return line;
    };

    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const out: Buffer[] = [];
      while (pending.length) {
        if (literalLeft > 0) {
          const n = Math.min(literalLeft, pending.length);
          if (!swallow) out.push(pending.subarray(0, n));
          pending = pending.subarray(n);
          literalLeft -= n;
          continue;
        }
        const eol = pending.indexOf(CRLF);
        if (eol < 0) break;
        let line = pending.subarray(0, eol).toString('latin1');
        pending = pending.subarray(eol + 2);
        if (!continuing) {
          const forwarded = onCommand(line);
          swallow = forwarded === null;
          if (forwarded !== null) line = forwarded;
        }
        const literal = LITERAL.exec(line);
        // A synchronizing literal of a command answered here never comes: the client got its answer.
        literalLeft = literal && !(swallow && literal[2] !== '+') ? Number(literal[1]) : 0;
        continuing = literalLeft > 0;
        if (!swallow) out.push(Buffer.from(`${line}\r\n`, 'latin1'));
      }
      if (out.length && !upstream.destroyed) upstream.write(Buffer.concat(out));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    stats,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
