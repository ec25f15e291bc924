import { isIP } from 'node:net';
import { CodedError } from '../domain/errors';
import type { ImapEndpoint } from '../mail/settings';

/**
 * What an endpoint's settings may say, beyond their shape: where its password may go.
 * - `security: "none"` sends the password in clear text, so it is allowed only to this machine.
 * - The stored password was given for one server: changing the host, port, security or what
 *   certificate is trusted must come with the password again, or it would be sent to a server it
 *   was never meant for (a typo, or someone with the API key pointing it at their own listener).
 */

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.']);

export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (LOOPBACK_NAMES.has(h)) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return false;
}

/** ENDPOINT_INSECURE unless a clear-text endpoint is on this machine. */
export function assertTransportAllowed(endpointName: string, settings: ImapEndpoint): void {
  if (settings.security === 'none' && !isLoopbackHost(settings.host)) {
    throw new CodedError(
      'ENDPOINT_INSECURE',
      `settings.security: "none" would send the password in clear text to ${settings.host}; use "tls" (port 993) or "starttls" (port 143). Clear text is only for a server on this machine (127.0.0.1, localhost).`,
      { endpoint: endpointName, field: 'settings.security' },
    );
  }
}

const DEFAULT_PORTS = { tls: 993, starttls: 143, none: 143 } as const;

/** The settings that decide which server gets the password; empty when none of them changed. */
export function connectionChanges(before: ImapEndpoint, after: ImapEndpoint): string[] {
  const changed: string[] = [];
  if (before.host.trim().toLowerCase() !== after.host.trim().toLowerCase()) changed.push('host');
  const port = (e: ImapEndpoint): number => e.port ?? DEFAULT_PORTS[e.security];
  if (port(before) !== port(after)) changed.push('port');
  if (before.security !== after.security) changed.push('security');
  if (before.allowInvalidCertificates !== after.allowInvalidCertificates)
    changed.push('allowInvalidCertificates');
  if ((before.tlsCa ?? '').trim() !== (after.tlsCa ?? '').trim()) changed.push('tlsCa');
  return changed;
}

/** ENDPOINT_PASSWORD_REQUIRED: the update moves the endpoint to another server without its password. */
export function passwordRequired(endpointName: string, changed: string[]): CodedError {
  return new CodedError(
    'ENDPOINT_PASSWORD_REQUIRED',
    `Changing ${changed.map((f) => `settings.${f}`).join(', ')} of endpoint "${endpointName}" drops its stored password, so that it is never sent to a server it was not given for; send "password" again in the same update.`,
    { endpoint: endpointName, field: 'password', changed },
  );
}
