import { createTokenProvider, type TokenProvider } from '../auth';
import type { M365Settings } from '../config/settings';
import { BudgetRegistry } from './budget';
import { GraphClient } from './client';

/**
 * The process's Graph client for the configured app. One token provider per app (msal's token cache
 * lives in it) and one budget registry per process, so every activity running here draws on the
 * same per-mailbox budget instead of each believing it has the mailbox to itself.
 */
const providers = new Map<string, TokenProvider>();
const processBudgets = new BudgetRegistry();

export function tokenProviderFromSettings(m365: M365Settings): TokenProvider {
  const key = `${m365.authorityHost}|${m365.tenantId}|${m365.clientId}`;
  let provider = providers.get(key);
  if (!provider) {
    provider = createTokenProvider({
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
    providers.set(key, provider);
  }
  return provider;
}

export function graphClientFromSettings(m365: M365Settings): GraphClient {
  return new GraphClient({
    baseUrl: m365.graphBaseUrl,
    tokens: tokenProviderFromSettings(m365),
    budgets: processBudgets,
  });
}
