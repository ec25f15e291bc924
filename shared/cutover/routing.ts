import type { Services } from '../app/services';
import { CodedError } from '../domain/errors';
import { findTargetUser } from '../graph';
import { graphFor } from '../migration/microsoft365';
import type { Batch } from '../state';
import type { DirectoryUser } from '../directory';

/**
 * The address mail to the old mailbox is forwarded to. With `forwardingDomain` it is
 * `alias@forwardingDomain` (alias: the directory's mailNickname, else the CSV address's local
 * part). Into Microsoft 365 without it, it is the user's `@<tenant>.mail.onmicrosoft.com` proxy
 * address (the routing address Exchange Online's staged migration uses), else its
 * `@<tenant>.onmicrosoft.com` one.
 */
export async function routingAddressFor(
  svc: Services,
  batch: Batch,
  email: string,
  user: DirectoryUser,
): Promise<string> {
  if (batch.options.forwardingDomain) {
    const alias = user.mailNickname ?? email.split('@')[0]!;
    return `${alias}@${batch.options.forwardingDomain}`;
  }
  const target = await svc.state.endpoints.find(batch.target);
  if (target?.type !== 'graph') {
    throw new CodedError(
      'FORWARDING_DOMAIN_MISSING',
      `The batch's target is not Microsoft 365, so mailferry cannot know where ${email} now receives mail: set the batch option forwardingDomain (mail goes to alias@forwardingDomain).`,
      { emailAddress: email, field: 'options.forwardingDomain' },
    );
  }
  const cloud = await findTargetUser(graphFor(svc), email);
  return pickRoutingAddress(cloud.proxyAddresses, email);
}

/** From a user's proxy addresses, the `.mail.onmicrosoft.com` one, else the `.onmicrosoft.com` one. */
export function pickRoutingAddress(proxyAddresses: string[], email: string): string {
  const smtp = proxyAddresses.filter((p) => /^smtp:/i.test(p)).map((p) => p.slice(5));
  const routing =
    smtp.find((a) => /@[^@]+\.mail\.onmicrosoft\.com$/i.test(a)) ??
    smtp.find((a) => /@[^@]+\.onmicrosoft\.com$/i.test(a));
  if (!routing) {
    throw new CodedError(
      'FORWARDING_NO_ROUTING_ADDRESS',
      `The Microsoft 365 user of ${email} has no @<tenant>.mail.onmicrosoft.com proxy address: add one (the email address policy of Exchange Online adds it to new mailboxes), or set the batch option forwardingDomain.`,
      { emailAddress: email },
    );
  }
  return routing;
}
