import { code, retry } from './code-spec';

/** The app settings, and the app-only sign-in to Microsoft Entra ID they configure. */
export const SETTINGS_CODES = {
  SETTINGS_INVALID: code(500, 'Fix the listed app settings and restart mailferry.'),
  SETTING_MISSING: code(500, 'Set the named app setting and restart mailferry.'),
  SETTING_CONFLICT: code(500, 'Remove one of the two conflicting app settings and restart mailferry.'),
  SETTING_INVALID: code(500, 'Set the named app setting to a value of the form the message gives.'),
  SETTING_KEY_VAULT_REFERENCE_UNRESOLVED: code(
    500,
    'Give the app identity read access to the Key Vault secret, or fix the reference.',
  ),
  M365_NOT_CONFIGURED: code(422, 'Set the M365_* app settings (tenant, client id, certificate or secret).'),
  // Sign-in to Microsoft Entra ID (app-only tokens)
  AUTH_CONFIG_INVALID: code(422, 'Correct the named sign-in setting.'),
  AUTH_CERTIFICATE_INVALID: code(422, 'Give a PEM file with the private key and the certificate.'),
  AUTH_CERTIFICATE_REJECTED: code(
    422,
    'Upload this certificate to the app registration, or use the one there.',
  ),
  AUTH_SECRET_INVALID: code(422, 'Create a new client secret in the app registration and set it.'),
  AUTH_TENANT_NOT_FOUND: code(422, 'Check the tenant id.'),
  AUTH_APP_NOT_FOUND: code(422, 'Check the client id, and that the app is registered in this tenant.'),
  AUTH_APP_DISABLED: code(422, 'Enable the app (enterprise application) in the tenant.'),
  AUTH_SCOPE_INVALID: code(422, 'Grant the app the permissions the docs list, with admin consent.'),
  AUTH_UNREACHABLE: retry(502, 'Retry; check that the app can reach the sign-in service.'),
  AUTH_FAILED: code(502, 'Check the app registration and its credentials; the message has the details.'),
} as const;
