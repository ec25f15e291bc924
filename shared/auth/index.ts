/** App-only sign-in to Microsoft 365 (msal-node client credentials) for Graph and Exchange IMAP. */
export { type TokenProvider, GRAPH_SCOPE, EXCHANGE_SCOPE, tokenFunction } from './types';
export {
  createTokenProvider,
  sharedTokenProvider,
  DEFAULT_AUTHORITY_HOST,
  type TokenProviderOptions,
} from './tokenProvider';
export {
  type AppCredential,
  certificateForMsal,
  certificateFromPem,
  type CertificateForMsal,
} from './credentials';
export { FetchNetworkClient, type FetchNetworkClientOptions } from './network';
export { imapTokenFunction, tokenRoles, type ImapOAuth, type AccessTokenFunction } from './imapTokens';
