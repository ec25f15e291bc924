/** The on-premises source directory (LDAP): settings, a bound client, coded errors. */
export { DirectoryClient, withDirectory, USER_ATTRIBUTES, type DirectoryUser } from './client';
export { parseLdapSettings, ldapSettingsSchema, FIND_BY, type FindBy, type LdapSettings } from './settings';
export { directoryError } from './errors';
export { DIRECTORY_LIMITS } from './limits';
export { testDirectoryEndpoint, directoryFor } from './endpoint';
