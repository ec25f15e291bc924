import http from 'node:http';
import https from 'node:https';
import { createType1Message, createType3Message, decodeType2Message } from '@ewsjs/ntlm-client';
import { CONNECT_TIMEOUT_MS, MAX_RESPONSE_BYTES, MAX_SOCKETS, REQUEST_TIMEOUT_MS } from './limits';
import { EwsError, EwsErrorCode } from './errors';

/**
 * One HTTP(S) connection to the Exchange server, authenticated with Basic or NTLM. NTLM
 * authenticates a TCP connection (IIS keeps it authenticated), so the agent keeps one socket alive
 * and the NTLM handshake (type 1 → challenge → type 3) runs again only when the server answers 401
 * on a new connection.
 */
export interface Credentials {
  auth: 'basic' | 'ntlm';
  user: string;
  domain: string;
  password: string;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The answer was cut at `maxBytes` (the body is incomplete). */
  truncated: boolean;
}

export class EwsTransport {
  private readonly agent: http.Agent;
  private ntlmReady = false;
  private ntlmScheme: 'NTLM' | 'Negotiate' = 'NTLM';
  /** Calls run one after another: an NTLM handshake must not interleave with another request. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly url: URL,
    private readonly credentials: Credentials,
    allowInvalidCertificates: boolean,
  ) {
    const options = { keepAlive: true, maxSockets: MAX_SOCKETS, timeout: REQUEST_TIMEOUT_MS };
    this.agent =
      url.protocol === 'https:'
        ? new https.Agent({ ...options, rejectUnauthorized: !allowInvalidCertificates })
        : new http.Agent(options);
  }

  /** POSTs a SOAP envelope; answers any HTTP status (the caller maps them), throws only when unreachable. */
  post(xml: string, soapAction: string, maxBytes = MAX_RESPONSE_BYTES): Promise<HttpAnswer> {
    const run = this.queue.then(() => this.postNow(xml, soapAction, maxBytes));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async postNow(xml: string, soapAction: string, maxBytes: number): Promise<HttpAnswer> {
    const { auth, user, domain, password } = this.credentials;
    if (auth === 'basic') {
      const name = domain ? `${domain}\\${user}` : user;
      return this.send(
        xml,
        soapAction,
        `Basic ${Buffer.from(`${name}:${password}`, 'utf8').toString('base64')}`,
        maxBytes,
      );
    }
    if (this.ntlmReady) {
      const answer = await this.send(xml, soapAction, undefined, maxBytes);
      if (answer.status !== 401) return answer;
      this.ntlmReady = false; // a new connection: authenticate it
    }
    let challenge = await this.send(
      '',
      soapAction,
      this.withScheme(createType1Message('MAILFERRY', domain)),
      maxBytes,
    );
    let offered = challengeToken(challenge.headers['www-authenticate'], this.ntlmScheme);
    if (
      challenge.status === 401 &&
      !offered &&
      this.ntlmScheme === 'NTLM' &&
      offers(challenge.headers, 'Negotiate')
    ) {
      // IIS with only the Negotiate provider takes NTLM messages inside the Negotiate scheme.
      this.ntlmScheme = 'Negotiate';
      challenge = await this.send(
        '',
        soapAction,
        this.withScheme(createType1Message('MAILFERRY', domain)),
        maxBytes,
      );
      offered = challengeToken(challenge.headers['www-authenticate'], this.ntlmScheme);
    }
    if (challenge.status !== 401 || !offered) return challenge;
    const type3 = createType3Message(
      decodeType2Message(`NTLM ${offered}`),
      user,
      password,
      'MAILFERRY',
      domain || undefined,
    );
    const answer = await this.send(xml, soapAction, this.withScheme(type3), maxBytes);
    this.ntlmReady = answer.status !== 401;
    return answer;
  }

  /** The library writes `NTLM <token>`; the same token goes under the scheme the server offers. */
  private withScheme(message: string): string {
    return message.replace(/^NTLM /, `${this.ntlmScheme} `);
  }

  close(): void {
    this.agent.destroy();
  }

  private send(
    body: string,
    soapAction: string,
    authorization: string | undefined,
    maxBytes: number,
  ): Promise<HttpAnswer> {
    const lib = this.url.protocol === 'https:' ? https : http;
    const payload = Buffer.from(body, 'utf8');
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = {
        'Content-Type': 'text/xml; charset=utf-8',
        'Content-Length': payload.length,
        SOAPAction: `"http://schemas.microsoft.com/exchange/services/2006/messages/${soapAction}"`,
        Accept: 'text/xml',
      };
      if (authorization) headers.Authorization = authorization;
      const req = lib.request(this.url, { method: 'POST', agent: this.agent, headers }, (res) => {
        readBounded(res, maxBytes, () => clearTimeout(overall)).then(resolve, (e: Error) =>
          reject(unreachable(this.url, e)),
        );
      });
      const overall = setTimeout(
        () => req.destroy(new Error(`no complete answer within ${REQUEST_TIMEOUT_MS} ms`)),
        REQUEST_TIMEOUT_MS,
      );
      limitConnectTime(req);
      req.on('error', (e) => {
        clearTimeout(overall);
        reject(unreachable(this.url, e));
      });
      req.end(payload);
    });
  }
}

/**
 * Reads an answer up to maxBytes; past that it stops reading (the rest of the answer is not
 * wanted, the socket is not reused) and answers with what it has, marked truncated.
 */
function readBounded(res: http.IncomingMessage, maxBytes: number, settled: () => void): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    const answer = (): HttpAnswer => ({
      status: res.statusCode ?? 0,
      headers: res.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      truncated,
    });
    res.on('data', (chunk: Buffer) => {
      if (truncated) return;
      size += chunk.length;
      if (size > maxBytes) {
        truncated = true;
        settled();
        res.destroy();
        resolve(answer());
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => {
      settled();
      resolve(answer());
    });
    res.on('error', (e) => {
      settled();
      if (!truncated) reject(e);
    });
  });
}

/** A new connection must be up within CONNECT_TIMEOUT_MS (the whole call has REQUEST_TIMEOUT_MS). */
function limitConnectTime(req: http.ClientRequest): void {
  req.on('socket', (socket) => {
    if (!socket.connecting) return;
    const connect = setTimeout(
      () => req.destroy(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms`)),
      CONNECT_TIMEOUT_MS,
    );
    socket.once('connect', () => clearTimeout(connect));
    socket.once('close', () => clearTimeout(connect));
  });
}

function headerValues(header: string | string[] | undefined): string[] {
  return Array.isArray(header) ? header : header ? header.split(/,\s*(?=[A-Za-z]+(?:\s|,|$))/) : [];
}

/** The NTLM challenge token of a 401 under `scheme` (`NTLM <token>` or `Negotiate <token>`). */
function challengeToken(header: string | string[] | undefined, scheme: string): string | undefined {
  const value = headerValues(header).find((v) => v.startsWith(`${scheme} `));
  return value ? /^\S+ (\S+)/.exec(value)?.[1] : undefined;
}

function offers(headers: http.IncomingHttpHeaders, scheme: string): boolean {
  return headerValues(headers['www-authenticate']).some(
    (v) => v.split(' ')[0]?.toLowerCase() === scheme.toLowerCase(),
  );
}

function unreachable(url: URL, e: unknown): EwsError {
  const reason = String((e as Error)?.message ?? e).slice(0, 200);
  return new EwsError(
    EwsErrorCode.unreachable,
    `The Exchange server at ${url.origin} did not answer (${reason}): check the url, DNS and that the Client Access server is reachable from here; the step is retried.`,
    { url: url.origin + url.pathname },
  );
}
