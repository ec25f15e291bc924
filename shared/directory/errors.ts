import {
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchAttributeError,
  NoSuchObjectError,
  ResultCodeError,
  TypeOrValueExistsError,
} from 'ldapts';
import { CodedError } from '../domain/errors';

/**
 * Turns what ldapts or the socket threw into a coded error that says what to fix. Messages name
 * the directory URL and the DN, never the password.
 */
export function directoryError(e: unknown, where: { url: string; dn?: string; op: string }): CodedError {
  if (e instanceof CodedError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const sysCode = (e as { code?: unknown }).code;
  if (e instanceof InvalidCredentialsError) {
    return new CodedError(
      'DIRECTORY_BIND_FAILED',
      `The directory ${where.url} refused the bind as ${where.dn ?? '(unknown)'}: check the endpoint's bindDn and password (update it with PUT /api/endpoints/{name}).`,
      { url: where.url },
    );
  }
  if (e instanceof InsufficientAccessError) {
    return new CodedError(
      'DIRECTORY_WRITE_REFUSED',
      `The directory refused to ${where.op} ${where.dn ?? ''}: give the bind account write access to targetAddress on the users of this batch.`,
      { url: where.url, dn: where.dn },
    );
  }
  if (e instanceof NoSuchAttributeError || e instanceof TypeOrValueExistsError) {
    return new CodedError(
      'DIRECTORY_VALUE_CHANGED',
      `${where.dn ?? 'The entry'} changed while mailferry was writing it (${where.op}); nothing was written. Retry forwarding (POST /api/batches/{id}/forwarding) to write it over the new value.`,
      { url: where.url, dn: where.dn },
    );
  }
  if (e instanceof NoSuchObjectError) {
    return new CodedError(
      'DIRECTORY_ENTRY_NOT_FOUND',
      `${where.dn ?? 'The base DN'} does not exist in ${where.url}: check the endpoint's baseDn.`,
      { url: where.url, dn: where.dn },
    );
  }
  if (e instanceof ResultCodeError) {
    return new CodedError(
      'DIRECTORY_OPERATION_FAILED',
      `The directory ${where.url} answered ${where.op} with code ${e.code}: ${msg}`,
      { url: where.url, dn: where.dn },
    );
  }
  if (
    /certificate|self[- ]signed|TLS|SSL|handshake/i.test(msg) ||
    /^ERR_TLS|CERT|UNABLE_TO/.test(String(sysCode))
  ) {
    return new CodedError(
      'DIRECTORY_TLS_FAILED',
      `No trusted TLS session with ${where.url} (${msg}): check that the directory offers StartTLS or ldaps:// with a certificate for this host name, and give its CA as settings.caCertificatePem if it is private.`,
      { url: where.url },
    );
  }
  if (
    ['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'ECONNRESET', 'EAI_AGAIN'].includes(
      String(sysCode),
    ) ||
    /timeout|timed out|connect/i.test(msg)
  ) {
    return new CodedError(
      'DIRECTORY_UNREACHABLE',
      `The directory ${where.url} cannot be reached (${String(sysCode ?? msg)}): check the URL, the port and that a firewall lets this host in.`,
      { url: where.url },
    );
  }
  return new CodedError('DIRECTORY_OPERATION_FAILED', `${where.op} on ${where.url} failed: ${msg}`, {
    url: where.url,
  });
}
