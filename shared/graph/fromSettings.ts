import { sharedTokenProvider, type TokenProvider } from '../auth';
import type { M365Settings } from '../config/settings';
import { BudgetRegistry } from './budget';
import { GraphClient } from './client';

/**
 * The process's Graph client for the configured app. One token provider per app (msal's token cache
 * lives in it; shared/auth keeps them) and one budget registry per process, so every activity
 * running here draws on the same per-mailbox budget instead of each believing it has the mailbox
 * to itself.
 */
const processBudgets = new BudgetRegistry();

export function tokenProviderFromSettings(m365: M365Settings): TokenProvider {
  const key = `${m365.authorityHost}|${m365.tenantId}|${m365.clientId}`;
  return sharedTokenProvider(key, {
    tenantId: m365.tenantId,
    clientId: m365.clientId,
    authorityHost: m365.authorityHost,
    credential:
      m365.credential.kind === 'secret'
        ? { kind: 'secret', secret: m365.credential.clientSecret }
        : {
            kind: 'certificate',
            privateKeyPem: m365.credential.privateKeyPem,
            thumbprintSha256: m365.credential.thumbprintSha256,
            certificatePem: m365.credential.certificatePem,
          },
  });
}

export function graphClientFromSettings(m365: M365Settings): GraphClient {
  return new GraphClient({
    baseUrl: m365.graphBaseUrl,
    tokens: tokenProviderFromSettings(m365),
    budgets: processBudgets,
  });
}
