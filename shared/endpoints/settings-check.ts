import { parseLdapSettings } from '../directory';
import { parseEndpoint } from '../mail/settings';
import { graphSettingsOf } from '../migration/microsoft365';
import { microsoft365SettingsOf } from '../migration/microsoft365-endpoint';
import { validatePimSettings } from '../pim/sources';
import type { EndpointType } from '../state';
import { assertTransportAllowed } from './rules';

/**
 * An endpoint's settings checked for its type before anything is stored (its password included):
 * the first problem is thrown as a CodedError naming the setting and the fix.
 */
export function checkEndpointSettings(
  type: EndpointType,
  name: string,
  settings: Record<string, unknown>,
): void {
  switch (type) {
    case 'imap':
      validatePimSettings(settings);
      assertTransportAllowed(name, parseEndpoint(settings, 'source'));
      return;
    case 'graph':
      graphSettingsOf({ name, type, settings });
      return;
    case 'ldap':
      parseLdapSettings(settings, name);
      return;
    case 'microsoft365':
      microsoft365SettingsOf({ name, settings });
      return;
    case 'ews':
      return;
  }
}
