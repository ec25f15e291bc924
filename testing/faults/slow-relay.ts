import { connect, createServer, type Socket } from 'node:net';

/**
 * A loopback relay that lets at most `bytesPerSecond` through from the client to the server, as a
 * slow WAN link to the target would: a copy then takes long enough for a person (or a test) to
 * watch it progress. The server's answers pass untouched.
 */
export interface SlowRelay {
  port: number;
  stop(): Promise<void>;
}

export async function startSlowRelay(serverPort: number, bytesPerSecond: number): Promise<SlowRelay> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(serverPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let windowStart = Date.now();
    let sent = 0;
    client.on('data', (data: Buffer) => {
      upstream.write(data);
      const now = Date.now();
      if (now - windowStart >= 1000) {
        windowStart = now;
        sent = 0;
      }
      sent += data.length;
      if (sent < bytesPerSecond) return;
      // This second's allowance is used: hold the client until the next one.
      client.pause();
      setTimeout(
        () => {
          windowStart = Date.now();
          sent = 0;
          client.resume();
        },
        Math.max(0, 1000 - (now - windowStart)),
      ).unref();
    });
    upstream.on('data', (data: Buffer) => client.write(data));
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
