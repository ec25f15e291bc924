import { MailError, MailErrorCode } from './errors';

/**
 * A certificate the connection refused, as MAIL_TLS_UNTRUSTED with the fix for its cause. Node's
 * TLS errors carry an OpenSSL code (or ERR_TLS_CERT_ALTNAME_INVALID for a wrong name); anything
 * else is not a certificate problem and gives undefined.
 */
const UNKNOWN_ISSUER = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);
const OTHER = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

export function tlsFailure(e: unknown, side: string, host: string): MailError | undefined {
  const code = String((e as { code?: unknown }).code ?? '');
  const where = { side, host, tlsCode: code, field: `${side}.tlsCa` };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return new MailError(
      MailErrorCode.tlsUntrusted,
      `${side}: the certificate of ${host} is not issued for that name; set host to a name the certificate lists (as the server's users connect to it).`,
      where,
    );
  if (UNKNOWN_ISSUER.has(code))
    return new MailError(
      MailErrorCode.tlsUntrusted,
      `${side}: the certificate of ${host} is self-signed or issued by an unknown CA (${code}); put the issuing CA's certificate (PEM) in the endpoint's tlsCa setting, or start mailferry with NODE_EXTRA_CA_CERTS=<CA file>.`,
      where,
    );
  if (OTHER.has(code))
    return new MailError(
      MailErrorCode.tlsUntrusted,
      `${side}: the certificate of ${host} is not valid (${code}); renew or replace the server's certificate.`,
      where,
    );
  return undefined;
}
