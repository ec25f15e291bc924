import { CodedError } from '../domain/errors';
import { MailErrorCode } from '../mail/errors';
import { closeImap, openImap } from '../mail/login';
import type { ImapEndpoint, MailboxLogin } from '../mail/settings';
import { ENDPOINT_TEST_TIMEOUT_MS } from './limits';

/**
 * The endpoint test logs in once and reports the server's capabilities. Whoever holds the API key
 * can point an endpoint anywhere, so the test must not become a port scanner for the network the
 * service sits in: whatever went wrong before an IMAP login (refused, reset, timeout, something
 * that is not IMAP answering) gives the same ENDPOINT_UNREACHABLE answer, without echoing what the
 * other side sent, within ENDPOINT_TEST_TIMEOUT_MS. Only an IMAP server's login refusal and an
 * untrusted certificate keep their own codes: both name a fix in the endpoint's own settings.
 */
const OWN_CODES = new Set<string>([
  MailErrorCode.authFailed,
  MailErrorCode.badSettings,
  MailErrorCode.tlsUntrusted,
]);

export function unreachable(endpointName: string): CodedError {
  return new CodedError(
    'ENDPOINT_UNREACHABLE',
    `Could not connect to the IMAP server of endpoint "${endpointName}"; check settings.host, settings.port and settings.security.`,
    { endpoint: endpointName },
  );
}

export async function testImapEndpoint(
  endpointName: string,
  settings: ImapEndpoint,
  login: MailboxLogin,
  timeoutMs = ENDPOINT_TEST_TIMEOUT_MS,
): Promise<{ capabilities: string[] }> {
  const attempt = openImap(settings, login, 'source');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>(
    (resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)),
  );
  try {
    const client = await Promise.race([attempt, timedOut]);
    if (client === 'timeout') {
      // The attempt goes on in the background: close it if it ever connects.
      attempt.then(closeImap, () => undefined);
      throw unreachable(endpointName);
    }
    const capabilities = [...(client.capabilities?.keys() ?? [])];
    await closeImap(client);
    return { capabilities };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && OWN_CODES.has(code)) throw e;
    throw unreachable(endpointName);
  } finally {
    clearTimeout(timer);
  }
}
