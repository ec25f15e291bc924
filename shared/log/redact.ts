import { REDACTED, scrubKnownSecrets } from './known-secrets';

/**
 * The two redaction layers under the logger.
 *
 * 1. `redactValue` walks whatever is logged (any depth, arrays, errors, causes) and blanks fields whose
 *    *name* says they hold a credential or a message body, and any binary (a message's raw source is a
 *    Buffer). It runs before serialisation, so nothing sensitive is ever turned into text.
 * 2. `scrubLine` runs on the finished log line and blanks what names cannot reveal: `Bearer ...`,
 *    `password=...`-style pairs (connection strings, query strings), URL credentials, JWTs, PEM private
 *    keys, and every value registered with `registerSecret`.
 */

/** Field names (lower case, without `-`/`_`) that always hold a credential or content. */
const SENSITIVE_KEYS = new Set([
  'password',
  'passwd',
  'pwd',
  'pass',
  'secret',
  'token',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'clientsecret',
  'privatekey',
  'apikey',
  'xfunctionskey',
  'connectionstring',
  'accountkey',
  'sas',
  'credential',
  'credentials',
  // Message content: never logged (DESIGN: no message body in logs).
  'body',
  'raw',
  'content',
  'contentbytes',
  'mime',
  'html',
  'text',
  'textashtml',
  'bodypreview',
  'uniquebody',
]);

/** Name endings that mark a credential: `sourcePassword`, `m365ClientSecret`, `refresh_token`, `privateKeyPem`. */
const SENSITIVE_SUFFIXES = [
  'password',
  'secret',
  'token',
  'privatekey',
  'privatekeypem',
  'apikey',
  'connectionstring',
];

export const REDACT_KEY_PATHS = [
  'password',
  'secret',
  'token',
  'authorization',
  'accessToken',
  'clientSecret',
  'privateKey',
  'body',
  'raw',
  'content',
] as const;

const MAX_DEPTH = 12;

export function isSensitiveKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_]/g, '');
  return SENSITIVE_KEYS.has(k) || SENSITIVE_SUFFIXES.some((s) => k.endsWith(s));
}

function binaryLength(v: unknown): number | undefined {
  if (v instanceof ArrayBuffer) return v.byteLength;
  if (ArrayBuffer.isView(v)) return v.byteLength;
  return undefined;
}

function errorToObject(e: Error, seen: WeakSet<object>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { type: e.name, message: e.message, stack: e.stack };
  for (const [k, v] of Object.entries(e)) out[k] = redactEntry(k, v, seen, depth + 1);
  if ('cause' in e && e.cause !== undefined) out.cause = redactValue(e.cause, seen, depth + 1);
  return out;
}

function redactEntry(key: string, value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (isSensitiveKey(key) && value !== null && value !== undefined && typeof value !== 'boolean') {
    return REDACTED;
  }
  return redactValue(value, seen, depth);
}

/** A copy of `value` with sensitive fields blanked and binaries summarised; the input is untouched. */
export function redactValue(value: unknown, seen = new WeakSet<object>(), depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  const bytes = binaryLength(value);
  if (bytes !== undefined) return `[binary ${bytes} bytes]`;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Object]';
  seen.add(value);
  try {
    if (value instanceof Error) return errorToObject(value, seen, depth);
    if (Array.isArray(value)) return value.map((v) => redactValue(v, seen, depth + 1));
    if (value instanceof Date || value instanceof URL) return value;
    if (value instanceof Map) {
      return Object.fromEntries(
        [...value].map(([k, v]) => [String(k), redactEntry(String(k), v, seen, depth + 1)]),
      );
    }
    if (value instanceof Set) return [...value].map((v) => redactValue(v, seen, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactEntry(k, v, seen, depth + 1);
    return out;
  } finally {
    seen.delete(value);
  }
}

/** Text patterns that carry a credential whatever field they are in. */
const LINE_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // PEM private keys, also with JSON-escaped newlines (\n) inside a log line.
  [/-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g, REDACTED],
  // HTTP auth schemes (Authorization headers, SASL XOAUTH2 transcripts).
  [/\b(Bearer|Basic)(\s+)[A-Za-z0-9\-._~+/]+=*/gi, `$1$2${REDACTED}`],
  // JWTs anywhere (access and id tokens).
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // name=value pairs: connection strings, query strings (code= is a function key), form bodies.
  [
    /\b(password|passwd|pwd|secret|client_secret|token|access_token|refresh_token|id_token|api[_-]?key|code|sig|AccountKey|SharedAccessKey|SharedAccessSignature|auth)=([^\s"&;,]+)/gi,
    `$1=${REDACTED}`,
  ],
  // Credentials in URLs: scheme://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@"]+):[^\s/@"]+@/gi, `$1:${REDACTED}@`],
];

/** Blanks credentials in finished text (a log line, or a message about to be shown). */
export function scrubLine(text: string): string {
  // Known values first: a pattern rewriting part of a registered secret would leave the rest showing.
  let out = scrubKnownSecrets(text);
  for (const [pattern, replacement] of LINE_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
