/**
 * LOCAL STAND-IN — NOT MICROSOFT EXCHANGE.
 *
 * A small HTTP server on 127.0.0.1 that answers Exchange Web Services requests the way Microsoft
 * documents them for Exchange 2007 SP1 (the EWS operation reference on learn.microsoft.com):
 * FindFolder, GetFolder, FindItem with IndexedPageItemView, GetItem and GetAttachment, with
 * Basic and NTLM (NTLMv2) authentication as IIS runs them in front of /EWS/Exchange.asmx,
 * ExchangeImpersonation and the documented errors (ErrorImpersonateUserDenied,
 * ErrorNonExistentMailbox, ErrorServerBusy, ErrorItemNotFound, ErrorCorruptData), and SyncFolderItems
 * with an opaque sync state over the mailbox's change log. It validates every
 * request (SOAP 1.1 envelope, RequestServerVersion Exchange2007_SP1, the impersonation header when
 * configured, the operation's required elements, namespaces) and answers a SOAP fault
 * ErrorInvalidRequest otherwise (the fault shape Microsoft documents in [MS-OXWUMS] 'SOAP fault for malformed
 * requests', https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxwums/a9e1fd8d-5f87-4caf-84f6-a99031d4bd56 ),
 * and ErrorSchemaValidation for elements out of the schema's order or values the 2007 SP1 schema does not
 * know (e.g. a 2010-only FieldURI). Items are the XML fixtures in ./fixtures, each naming the
 * documented example it follows.
 *
 * It is a fake server: it imports nothing from mailferry's domain code (shared/), so it cannot
 * agree with the client by construction.
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { StandinMailbox } from './mailbox';
import { createChallenge, readAuthenticate, readNtlmHeader, verifyNtlmV2 } from './ntlm';
import {
  InvalidRequest,
  SchemaViolation,
  checkSequence,
  errorMessage,
  findFolder,
  findItem,
  getAttachment,
  getFolder,
  getItem,
  syncFolderItems,
} from './operations';
import { NS, escapeXml, kid, parseDocument, type El } from './xml';

export { StandinMailbox, fixture } from './mailbox';

export interface StandinAccount {
  /** Logon name without the domain (`svc-migrate`). */
  user: string;
  /** NetBIOS domain (`CONTOSO`); a login naming another domain is refused. */
  domain?: string;
  password: string;
  /** The account's own mailbox (used without an impersonation header). */
  email?: string;
  /** Holds ms-Exch-EPI-Impersonation / May-Impersonate. */
  mayImpersonate?: boolean;
}

export interface EwsStandinOptions {
  accounts: StandinAccount[];
  mailboxes: StandinMailbox[];
  /**
   * Authentication schemes offered, as IIS lists its providers: `negotiate` (NTLM messages inside
   * the Negotiate scheme), `ntlm`, `basic`. Default all three (Integrated Windows + Basic).
   */
  auth?: Array<'basic' | 'ntlm' | 'negotiate'>;
  /** Every request must carry ExchangeImpersonation (a service account set up for it). */
  requireImpersonation?: boolean;
  /** The NTLM target domain. Default CONTOSO. */
  domain?: string;
  port?: number;
  /** Serve HTTPS with this PEM (private key + certificate), as a Client Access server does. */
  tlsPem?: string;
}

export interface RecordedRequest {
  operation: string;
  account: string;
  mailbox?: string;
  impersonated: boolean;
  detail: Record<string, string | number>;
}

export interface EwsStandin {
  /** `http://127.0.0.1:PORT/EWS/Exchange.asmx` */
  url: string;
  /** Every SOAP operation answered (after authentication), in order. */
  requests: RecordedRequest[];
  /** Completed NTLM handshakes (one per authenticated connection). */
  ntlmHandshakes: number;
  /** Answer the next N operations with ErrorServerBusy. */
  busy: number;
  close(): Promise<void>;
}

const SOAP_FAULT_TEXT: Record<string, string> = {
  ErrorImpersonateUserDenied: 'The account does not have permission to impersonate the requested user.',
  ErrorInvalidRequest: 'The request is invalid.',
};

function envelope(body: string): string {
  // Exchange 2007 SP1 (8.1) answers with its ServerVersionInfo header.
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<soap:Envelope xmlns:soap="${NS.soap}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` +
    `<soap:Header><t:ServerVersionInfo MajorVersion="8" MinorVersion="1" MajorBuildNumber="240" MinorBuildNumber="6" xmlns:t="${NS.types}"/></soap:Header>` +
    `<soap:Body>${body}</soap:Body></soap:Envelope>`
  );
}

function operationResponse(op: string, messages: string[]): string {
  return envelope(
    `<m:${op}Response xmlns:m="${NS.messages}" xmlns:t="${NS.types}"><m:ResponseMessages>${messages.join('')}</m:ResponseMessages></m:${op}Response>`,
  );
}

/** A SOAP fault as Exchange sends it (HTTP 500), with the EWS ResponseCode in the detail. */
function fault(code: string, text = SOAP_FAULT_TEXT[code] ?? code): string {
  return envelope(
    `<soap:Fault><faultcode xmlns:a="${NS.types}">a:${code}</faultcode><faultstring xml:lang="en-US">${escapeXml(text)}</faultstring>` +
      `<detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">${code}</e:ResponseCode>` +
      `<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">${escapeXml(text)}</e:Message></detail></soap:Fault>`,
  );
}

const OPERATIONS = ['FindFolder', 'GetFolder', 'FindItem', 'GetItem', 'GetAttachment', 'SyncFolderItems'];

export async function startEwsStandin(options: EwsStandinOptions): Promise<EwsStandin> {
  const schemes = options.auth ?? ['negotiate', 'ntlm', 'basic'];
  const domain = options.domain ?? 'CONTOSO';
  const ntlmState = new WeakMap<Socket, { challenge?: Buffer; account?: StandinAccount }>();
  const findAccount = (user: string, dom: string): StandinAccount | undefined => {
    const a = options.accounts.find((x) => x.user.toLowerCase() === user.toLowerCase());
    if (!a) return undefined;
    if (dom && a.domain && dom.toLowerCase() !== a.domain.toLowerCase()) return undefined;
    return a;
  };
  const findMailbox = (smtp: string) =>
    options.mailboxes.find((b) => b.smtp.toLowerCase() === smtp.toLowerCase());

  const standin: EwsStandin = {
    url: '',
    requests: [],
    ntlmHandshakes: 0,
    busy: 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const send = (
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string | string[]> = {},
  ) => {
    res.writeHead(status, {
      'Content-Type': 'text/xml; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  };
  const unauthorized = (res: ServerResponse, challenge?: string) => {
    const offers = challenge
      ? [challenge]
      : [
          ...(schemes.includes('negotiate') ? ['Negotiate'] : []),
          ...(schemes.includes('ntlm') ? ['NTLM'] : []),
          ...(schemes.includes('basic') ? ['Basic realm="127.0.0.1"'] : []),
        ];
    send(res, 401, '', { 'WWW-Authenticate': offers });
  };

  /** Who is calling, or undefined after answering 401 (a challenge or a refusal). */
  const authenticate = (req: IncomingMessage, res: ServerResponse): StandinAccount | undefined => {
    const header = req.headers.authorization;
    const socket = req.socket;
    if (header?.startsWith('Basic ') && schemes.includes('basic')) {
      const [name = '', ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
      const [dom, user] = name.includes('\\') ? (name.split('\\') as [string, string]) : ['', name];
      const account = findAccount(user, dom);
      if (account && account.password === rest.join(':')) return account;
      unauthorized(res);
      return undefined;
    }
    const read = readNtlmHeader(header);
    const ntlm = read && schemes.includes(read.scheme === 'NTLM' ? 'ntlm' : 'negotiate') ? read : undefined;
    if (ntlm?.type === 1) {
      const { header: challenge, challenge: bytes } = createChallenge(domain, 'EXCH2007', ntlm.scheme);
      ntlmState.set(socket, { challenge: bytes });
      unauthorized(res, challenge);
      return undefined;
    }
    if (ntlm?.type === 3) {
      const state = ntlmState.get(socket);
      try {
        const auth = readAuthenticate(ntlm.buf);
        const account = findAccount(auth.user, auth.domain);
        if (state?.challenge && account && verifyNtlmV2(auth, account.password, state.challenge)) {
          ntlmState.set(socket, { account });
          standin.ntlmHandshakes++;
          return account;
        }
      } catch {
        // a malformed AUTHENTICATE message is refused like a wrong password
      }
      ntlmState.delete(socket);
      unauthorized(res);
      return undefined;
    }
    const kept = ntlmState.get(socket)?.account;
    if (!header && kept) return kept; // IIS keeps an NTLM-authenticated connection authenticated
    unauthorized(res);
    return undefined;
  };

  const handle = (account: StandinAccount, xml: string): { status: number; body: string } => {
    let doc: El | undefined;
    try {
      doc = parseDocument(xml);
    } catch {
      return {
        status: 500,
        body: fault('ErrorInvalidRequest', 'The request is invalid: the body is not well-formed XML.'),
      };
    }
    try {
      if (!doc || doc.ns !== NS.soap || doc.local !== 'Envelope')
        throw new InvalidRequest('The request is invalid: no SOAP 1.1 Envelope.');
      const header = kid(doc, NS.soap, 'Header');
      const version = kid(header, NS.types, 'RequestServerVersion');
      if (version?.attrs.Version !== 'Exchange2007_SP1') {
        throw new InvalidRequest(
          'The request is invalid: t:RequestServerVersion Version="Exchange2007_SP1" is required by this server.',
        );
      }
      const smtp = kid(
        kid(kid(header, NS.types, 'ExchangeImpersonation'), NS.types, 'ConnectingSID'),
        NS.types,
        'PrimarySmtpAddress',
      )?.text;
      if (options.requireImpersonation && !smtp) {
        throw new InvalidRequest(
          'The request is invalid: this server expects t:ExchangeImpersonation/t:ConnectingSID/t:PrimarySmtpAddress.',
        );
      }
      const body = kid(doc, NS.soap, 'Body');
      const ops = body?.children ?? [];
      const op = ops[0];
      if (ops.length !== 1 || !op || op.ns !== NS.messages || !OPERATIONS.includes(op.local)) {
        throw new InvalidRequest(
          `The request is invalid: the body must hold one of ${OPERATIONS.join(', ')} in the messages namespace.`,
        );
      }
      checkSequence(op);
      const recorded: RecordedRequest = {
        operation: op.local,
        account: account.user,
        mailbox: smtp ?? account.email,
        impersonated: !!smtp,
        detail: {},
      };
      standin.requests.push(recorded);
      const record = (d: Record<string, string | number>) => Object.assign(recorded.detail, d);
      if (smtp && !account.mayImpersonate) return { status: 500, body: fault('ErrorImpersonateUserDenied') };
      const mailbox = findMailbox(smtp ?? account.email ?? '');
      const perMessage = (code: string, text: string) => ({
        status: 200,
        body: operationResponse(op.local, [errorMessage(op.local, code, text)]),
      });
      if (!mailbox)
        return perMessage(
          'ErrorNonExistentMailbox',
          `No mailbox with such guid or SMTP address: ${smtp ?? account.email ?? ''}.`,
        );
      if (standin.busy > 0) {
        standin.busy--;
        return perMessage(
          'ErrorServerBusy',
          'The server cannot service this request right now. Try again later.',
        );
      }
      switch (op.local) {
        case 'FindFolder':
          return { status: 200, body: operationResponse(op.local, [findFolder(op, mailbox)]) };
        case 'GetFolder':
          return { status: 200, body: operationResponse(op.local, getFolder(op, mailbox)) };
        case 'FindItem':
          return { status: 200, body: operationResponse(op.local, [findItem(op, mailbox, record)]) };
        case 'GetItem':
          return { status: 200, body: operationResponse(op.local, getItem(op, mailbox, record)) };
        case 'SyncFolderItems':
          return { status: 200, body: operationResponse(op.local, [syncFolderItems(op, mailbox, record)]) };
        default:
          return { status: 200, body: operationResponse(op.local, getAttachment(op, mailbox)) };
      }
    } catch (e) {
      if (e instanceof InvalidRequest) return { status: 500, body: fault('ErrorInvalidRequest', e.message) };
      if (e instanceof SchemaViolation)
        return { status: 500, body: fault('ErrorSchemaValidation', e.message) };
      throw e;
    }
  };

  const listener: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url?.split('?')[0]?.toLowerCase() !== '/ews/exchange.asmx') {
        send(res, 404, '');
        return;
      }
      const account = authenticate(req, res);
      if (!account) return;
      if (!/^text\/xml/i.test(req.headers['content-type'] ?? '')) {
        send(res, 415, '');
        return;
      }
      const { status, body } = handle(account, Buffer.concat(chunks).toString('utf8'));
      send(res, status, body);
    });
  };
  const server = options.tlsPem
    ? createTlsServer({ key: options.tlsPem, cert: options.tlsPem }, listener)
    : createServer(listener);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  standin.url = `${options.tlsPem ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}/EWS/Exchange.asmx`;
  return standin;
}
