import { EXCHANGE_ONLINE_CAPABILITIES } from '../testing/mail/dovecot-oauth';

/**
 * A target Dovecot that advertises only Exchange Online's capability list (no MULTIAPPEND, no
 * APPENDLIMIT, no CONDSTORE/QRESYNC; LITERAL+ stays): the product then sends one APPEND per
 * message and sets flags the way it must for Exchange. Logins stay the admin proxy logins of the
 * other Dovecots so mbsync, the anchor, can use the same server; XOAUTH2 adds one token request
 * per session, which the product's own tests cover.
 */
export function exchangeLikeConfig(): string[] {
  // Dovecot answers CAPABILITY (before and after login) with exactly this list.
  return [`imap_capability = ${EXCHANGE_ONLINE_CAPABILITIES}`];
}
