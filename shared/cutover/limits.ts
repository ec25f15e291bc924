/** Limits and fixed names of the cutover module. */
export const CUTOVER_TABLE = 'cutoverForwarding';

export const CUTOVER_LIMITS = {
  /** One DNS query (per record) before it counts as a timeout. */
  dnsTimeoutMs: 3000,
  /** Domains checked at once. */
  dnsDomainsAtOnce: 4,
  /** Accepted domains checked in one completion report. */
  maxDomainsPerReport: 50,
  /** Mailboxes one "retry forwarding" request handles (the rest: call again). */
  maxForwardingRetries: 500,
  /** Warning text kept per forwarding record. */
  maxMessageChars: 1000,
} as const;

/** Microsoft 365's documented values for a domain whose mail goes to Exchange Online. */
export const M365_DNS = {
  autodiscover: 'autodiscover.outlook.com',
  spfInclude: 'include:spf.protection.outlook.com',
  spfRecord: 'v=spf1 include:spf.protection.outlook.com -all',
} as const;
