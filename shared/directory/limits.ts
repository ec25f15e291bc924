/** Limits of the source-directory (LDAP) client. */
export const DIRECTORY_LIMITS = {
  /** A directory that does not answer a TCP connect within this is unreachable. */
  connectTimeoutMs: 10_000,
  /** One bind, search or modify. */
  operationTimeoutMs: 30_000,
  /** A search for one user never needs more than two entries: two already means "ambiguous". */
  userSearchSizeLimit: 2,
} as const;
