import net from 'node:net';

/**
 * A loopback TCP proxy for IMAP fault tests (a test tool, not part of mailferry): sits between
 * mailferry and a real Dovecot, relays both directions untouched, and on request injects one fault
 * at an exact protocol moment. It reads only what it needs to find that moment (command tags and
 * names, FETCH literals); it never changes a byte it relays.
 *
 * Faults (each fires `times` times, then the proxy is transparent again):
 * - `appendReplyLost`: the client's APPEND (or MULTIAPPEND) was sent in full and the server answered
 *   its tagged OK, i.e. the messages ARE stored; the OK is not relayed and the connection is cut. The
 *   client cannot know whether its APPEND happened.
 * - `fetchCut`: once `afterBytes` bytes of the server's answer to a body FETCH were relayed, the
 *   connection is cut in the middle of a message literal.
 * - `fetchStall`: the server's answer to a body FETCH stops after `afterBytes` bytes for `stallMs`,
 *   then the connection is cut (a peer that went silent, then away).
 * - `reset`: after `afterBytes` bytes of server data on one connection, a TCP reset (RST).
 *
 * Bounded: at most `maxConnections` at once; stops by itself after `lifetimeMs` (timer unref'd).
 */
export type ImapFault =
  | { kind: 'appendReplyLost'; times?: number }
  | { kind: 'fetchCut'; afterBytes?: number; times?: number }
  | { kind: 'fetchStall'; afterBytes?: number; stallMs?: number; times?: number }
  | { kind: 'reset'; afterBytes?: number; times?: number };

export interface FaultProxyOptions {
  upstreamHost: string;
  upstreamPort: number;
  maxConnections?: number;
  lifetimeMs?: number;
}

export interface FaultProxy {
  host: string;
  port: number;
  /** Arms a fault; it fires on the next matching moment on any connection. */
  arm(fault: ImapFault): void;
  /** Faults that fired so far, by kind. */
  readonly fired: Record<ImapFault['kind'], number>;
  /** Faults still armed (0 when every armed fault has fired). */
  armed(): number;
  stop(): Promise<void>;
}

const MAX_LINE = 64 * 1024;

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const maxConnections = options.maxConnections ?? 32;
  const sockets = new Set<net.Socket>();
  const faults: Array<ImapFault & { left: number }> = [];
  const fired: Record<ImapFault['kind'], number> = {
    appendReplyLost: 0,
    fetchCut: 0,
    fetchStall: 0,
    reset: 0,
  };

  const take = (kind: ImapFault['kind']): (ImapFault & { left: number }) | undefined => {
    const f = faults.find((x) => x.kind === kind && x.left > 0);
    if (!f) return undefined;
    f.left--;
    fired[kind]++;
    return f;
  };
  const peek = (kind: ImapFault['kind']) => faults.find((x) => x.kind === kind && x.left > 0);

  const server = net.createServer((client) => {
    if (sockets.size >= maxConnections * 2) {
      client.destroy();
      return;
    }
    const upstream = net.connect(options.upstreamPort, options.upstreamHost);
    sockets.add(client);
    sockets.add(upstream);
    const cut = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => {
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    client.on('error', cut);
    upstream.on('error', cut);

    // Client → server: remember the tags of APPEND and body-FETCH commands.
    const appendTags = new Set<string>();
    let fetchTag: string | undefined;
    let clientLine = '';
    client.on('data', (data: Buffer) => {
      clientLine = (clientLine + data.toString('latin1')).slice(-MAX_LINE);
      for (const m of clientLine.matchAll(/(?:^|\r\n)(\S+) (?:UID )?(APPEND|FETCH) ([^\r\n]*)/gi)) {
        const [, tag, verb, rest] = m;
        if (!tag || !verb) continue;
        if (verb.toUpperCase() === 'APPEND') appendTags.add(tag);
        else if (/BODY(\.PEEK)?\[\]|RFC822(?!\.)|BINARY(\.PEEK)?\[\]/i.test(rest ?? '')) fetchTag = tag;
      }
      const lastBreak = clientLine.lastIndexOf('\r\n');
      if (lastBreak >= 0) clientLine = clientLine.slice(lastBreak + 2);
      upstream.write(data);
    });

    // Server → client: find the tagged OK of an APPEND, and count bytes of a body FETCH's answer.
    let serverTail = '';
    let fetchBytes = 0;
    let connBytes = 0;
    let stalled = false;
    upstream.on('data', (data: Buffer) => {
      if (stalled) return;
      connBytes += data.length;
      const reset = peek('reset');
      if (reset && connBytes >= (reset.kind === 'reset' ? (reset.afterBytes ?? 4096) : 0)) {
        take('reset');
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      if (fetchTag) {
        const f = peek('fetchCut') ?? peek('fetchStall');
        const after = f && 'afterBytes' in f ? (f.afterBytes ?? 2048) : 2048;
        if (f && fetchBytes + data.length > after) {
          const head = data.subarray(0, Math.max(0, after - fetchBytes));
          take(f.kind);
          client.write(head);
          if (f.kind === 'fetchStall') {
            stalled = true;
            upstream.pause();
            setTimeout(cut, f.stallMs ?? 2000).unref();
          } else cut();
          return;
        }
        fetchBytes += data.length;
      }
      if (appendTags.size) {
        serverTail = (serverTail + data.toString('latin1')).slice(-MAX_LINE);
        for (const tag of appendTags) {
          const at = serverTail.search(new RegExp(`(?:^|\\r\\n)${escape(tag)} OK`, 'i'));
          if (at < 0) continue;
          appendTags.delete(tag);
          if (take('appendReplyLost')) {
            // Relay everything before the tagged OK, then cut: the APPEND is stored, its OK is lost.
            const before =
              Buffer.byteLength(serverTail.slice(0, at), 'latin1') - (serverTail.length - data.length);
            if (before > 0) client.write(data.subarray(0, before));
            cut();
            return;
          }
        }
        const lastBreak = serverTail.lastIndexOf('\r\n');
        if (lastBreak >= 0) serverTail = serverTail.slice(lastBreak);
      }
      if (
        fetchTag &&
        new RegExp(`(?:^|\\r\\n)${escape(fetchTag)} (OK|NO|BAD)`, 'i').test(data.toString('latin1'))
      ) {
        fetchTag = undefined;
        fetchBytes = 0;
      }
      client.write(data);
    });
  });
  server.maxConnections = maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const stop = async (): Promise<void> => {
    clearTimeout(lifetime);
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const lifetime = setTimeout(() => void stop(), options.lifetimeMs ?? 10 * 60_000);
  lifetime.unref();
  return {
    host: '127.0.0.1',
    port,
    arm(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    fired,
    armed: () => faults.reduce((n, f) => n + f.left, 0),
    stop,
  };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
