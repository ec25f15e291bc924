import type http from 'node:http';

/**
 * The embedded servers listen on 127.0.0.1 only, but a web page can still reach them through
 * DNS rebinding (a name of the attacker's that resolves to 127.0.0.1): the browser then sends that
 * name in `Host`. Only requests addressed to a loopback name are served.
 */
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackHost(req: http.IncomingMessage): boolean {
  const host = req.headers.host;
  if (!host) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  return LOOPBACK_NAMES.has(hostname.toLowerCase().replace(/\.$/, ''));
}

export const HOST_NOT_ALLOWED = {
  code: 'HOST_NOT_ALLOWED',
  message:
    'This server answers only requests addressed to 127.0.0.1 or localhost; use http://127.0.0.1:<port>/.',
};
