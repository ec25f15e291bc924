import dns2 from 'dns2';

/**
 * A loopback DNS server (the `dns2` library) answering from a fixed zone, for tests that must never
 * ask the internet. Names listed in `silent` get no answer at all, as a server that times out.
 */
export interface ZoneRecords {
  MX?: Array<{ exchange: string; priority: number }>;
  CNAME?: string;
  TXT?: string[][];
}

export interface RunningDnsServer {
  /** `127.0.0.1:PORT`, what MAILFERRY_DNS_SERVERS takes. */
  address: string;
  queries: Array<{ name: string; type: number }>;
  stop(): Promise<void>;
}

export async function startDnsServer(
  zone: Record<string, ZoneRecords>,
  options: { silent?: string[] } = {},
): Promise<RunningDnsServer> {
  const { Packet } = dns2;
  const queries: RunningDnsServer['queries'] = [];
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      if (!question) return send(response);
      const name = question.name.toLowerCase().replace(/\.$/, '');
      queries.push({ name, type: question.type });
      if (options.silent?.includes(name)) return; // no reply: the client times out
      const records = zone[name];
      if (!records) {
        response.header.rcode = Packet.RCODE.NXDOMAIN;
        return send(response);
      }
      const base = { name: question.name, class: Packet.CLASS.IN, ttl: 300 };
      // Plain records, as the library's own examples answer; its typings ask for encoded Resources.
      const answers = response.answers as unknown as object[];
      if (question.type === Packet.TYPE.MX)
        for (const mx of records.MX ?? [])
          answers.push({
            ...base,
            type: Packet.TYPE.MX,
            exchange: mx.exchange,
            priority: mx.priority,
          });
      if (question.type === Packet.TYPE.CNAME && records.CNAME)
        answers.push({ ...base, type: Packet.TYPE.CNAME, domain: records.CNAME });
      if (question.type === Packet.TYPE.TXT)
        for (const txt of records.TXT ?? []) answers.push({ ...base, type: Packet.TYPE.TXT, data: txt });
      send(response);
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  const port = addresses.udp?.port;
  if (!port) throw new Error('the DNS server did not listen on UDP');
  return {
    address: `127.0.0.1:${port}`,
    queries,
    stop: () => server.close(),
  };
}
