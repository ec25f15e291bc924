import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { settingsSchema } from '../../shared/config/schema';
import { ERROR_CODES, codeSpec, isTransient } from '../../shared/domain/codes';

/**
 * One error vocabulary: every SCREAMING_SNAKE code the product can report is in the registry (with
 * its HTTP status, what to do, and whether retrying helps), and every code in the registry is still
 * raised somewhere. The embedded runtime (local/) is a host of its own and keeps its own few codes.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const PRODUCT = ['shared', 'functions', 'orchestrators', 'activities', 'cli'];
/** The registry's own files (codes.ts and its areas, codes-*.ts): a code written there is not a use. */
const isRegistry = (file: string): boolean =>
  path.dirname(file) === path.join(ROOT, 'shared', 'domain') &&
  /^codes(-[a-z]+)?\.ts$/.test(path.basename(file));
/** Upper-case strings that are names, not codes: app settings and a few environment variables. */
const NOT_CODES = new Set<string>([
  ...Object.keys(settingsSchema.shape),
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID',
  'WEBSITE_AUTH_AAD_ALLOWED_TENANTS',
  // Node's TLS verification codes, which the IMAP login reads (not ours to report).
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  // Network error codes of Node and undici, read, not reported.
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  // Names of time-zone rule sets in the EWS zone table.
  'US_OLD',
  'AU_OLD',
]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return full.endsWith('.ts') && !isRegistry(full) ? [full] : [];
  });
}

function codesUsed(): Map<string, string> {
  const used = new Map<string, string>();
  for (const file of PRODUCT.flatMap((d) => sources(path.join(ROOT, d))))
    for (const m of readFileSync(file, 'utf8').matchAll(/['"`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"`]/g)) {
      const code = m[1] as string;
      if (!NOT_CODES.has(code) && !used.has(code)) used.set(code, path.relative(ROOT, file));
    }
  return used;
}

test('every code the product raises is in the registry', () => {
  const missing = [...codesUsed()].filter(([code]) => !(code in ERROR_CODES)).map(([c, f]) => `${c} (${f})`);
  expect(missing).toEqual([]);
});

test('every code in the registry is still raised somewhere', () => {
  const used = codesUsed();
  expect(Object.keys(ERROR_CODES).filter((code) => !used.has(code))).toEqual([]);
});

test('each code says what to do, with a client or server status, and never the API key 401', () => {
  for (const [code, spec] of Object.entries(ERROR_CODES)) {
    expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/);
    expect(spec.hint).toMatch(/^[A-Z].*\.$/);
    expect(spec.status).toBeGreaterThanOrEqual(400);
    expect(spec.status).toBeLessThan(600);
    // 401 is the API's answer to a wrong mailferry key: an upstream refusal must not look like one.
    expect(spec.status).not.toBe(401);
  }
  expect(codeSpec('GRAPH_UNAUTHORIZED').status).toBe(502);
  expect(isTransient('MAIL_CONNECTION_LOST')).toBe(true);
  expect(isTransient('MAIL_AUTH_FAILED')).toBe(false);
  expect(isTransient('NO_SUCH_CODE')).toBe(false);
});
