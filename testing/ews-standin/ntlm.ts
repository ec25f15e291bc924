import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import md4 from 'js-md4';

/**
 * The server side of an NTLM handshake as IIS runs it in front of Exchange 2007's /EWS (MS-NLMP):
 * NEGOTIATE (type 1) → 401 with CHALLENGE (type 2, NTLMv2 with target info) → AUTHENTICATE
 * (type 3), verified with the account's password (NTOWFv2 + NTProofStr). Node's OpenSSL has no
 * MD4, hence js-md4 for the NT hash.
 */

const SIGNATURE = Buffer.from('NTLMSSP\0', 'ascii');
const FLAGS =
  0x00000001 | // NEGOTIATE_UNICODE
  0x00000004 | // REQUEST_TARGET
  0x00000200 | // NEGOTIATE_NTLM
  0x00008000 | // NEGOTIATE_ALWAYS_SIGN
  0x00010000 | // TARGET_TYPE_DOMAIN
  0x00080000 | // NEGOTIATE_EXTENDED_SESSIONSECURITY (NTLM2 key)
  0x00800000; // NEGOTIATE_TARGET_INFO

function messageType(buf: Buffer): number | undefined {
  if (buf.length < 12 || !buf.subarray(0, 8).equals(SIGNATURE)) return undefined;
  return buf.readUInt32LE(8);
}

/**
 * The NTLM message in an `Authorization: NTLM <base64>` (or `Negotiate <base64>`, which Windows
 * answers with raw NTLM when Kerberos is not used) header, decoded, with its type and scheme.
 */
export function readNtlmHeader(
  header: string | undefined,
): { scheme: 'NTLM' | 'Negotiate'; type: number; buf: Buffer } | undefined {
  const m = /^(NTLM|Negotiate) (\S+)$/.exec(header ?? '');
  if (!m) return undefined;
  const buf = Buffer.from(m[2] as string, 'base64');
  const type = messageType(buf);
  return type === undefined ? undefined : { scheme: m[1] as 'NTLM' | 'Negotiate', type, buf };
}

function avPair(id: number, value: string): Buffer {
  const v = Buffer.from(value, 'utf16le');
  const head = Buffer.alloc(4);
  head.writeUInt16LE(id, 0);
  head.writeUInt16LE(v.length, 2);
  return Buffer.concat([head, v]);
}

/** A CHALLENGE message for `domain`; returns the header value and the server challenge. */
export function createChallenge(
  domain: string,
  server: string,
  scheme: 'NTLM' | 'Negotiate' = 'NTLM',
): { header: string; challenge: Buffer } {
  const challenge = randomBytes(8);
  const target = Buffer.from(domain, 'utf16le');
  const info = Buffer.concat([avPair(2, domain), avPair(1, server), Buffer.alloc(4)]);
  const head = Buffer.alloc(48);
  SIGNATURE.copy(head, 0);
  head.writeUInt32LE(2, 8);
  head.writeUInt16LE(target.length, 12);
  head.writeUInt16LE(target.length, 14);
  head.writeUInt32LE(48, 16);
  head.writeUInt32LE(FLAGS >>> 0, 20);
  challenge.copy(head, 24);
  head.writeUInt16LE(info.length, 40);
  head.writeUInt16LE(info.length, 42);
  head.writeUInt32LE(48 + target.length, 44);
  return { header: `${scheme} ${Buffer.concat([head, target, info]).toString('base64')}`, challenge };
}

function field(buf: Buffer, at: number): Buffer {
  const len = buf.readUInt16LE(at);
  const off = buf.readUInt32LE(at + 4);
  if (off + len > buf.length) throw new Error('field outside the message');
  return buf.subarray(off, off + len);
}

/** Reads an AUTHENTICATE message: who claims to log in. */
export function readAuthenticate(buf: Buffer): { user: string; domain: string; ntResponse: Buffer } {
  return {
    ntResponse: field(buf, 20),
    domain: field(buf, 28).toString('utf16le'),
    user: field(buf, 36).toString('utf16le'),
  };
}

/** NTLMv2: HMAC-MD5(NTOWFv2, challenge ‖ blob) must equal the first 16 bytes of the NT response. */
export function verifyNtlmV2(
  auth: { user: string; domain: string; ntResponse: Buffer },
  password: string,
  challenge: Buffer,
): boolean {
  if (auth.ntResponse.length <= 24) return false; // NTLMv1 is not accepted
  const ntHash = Buffer.from(md4.arrayBuffer(Buffer.from(password, 'utf16le')));
  const ntowfv2 = createHmac('md5', ntHash)
    .update(Buffer.from(auth.user.toUpperCase() + auth.domain, 'utf16le'))
    .digest();
  const proof = createHmac('md5', ntowfv2)
    .update(Buffer.concat([challenge, auth.ntResponse.subarray(16)]))
    .digest();
  return timingSafeEqual(proof, auth.ntResponse.subarray(0, 16));
}
