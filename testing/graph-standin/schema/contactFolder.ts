/** microsoft.graph.contactFolder (v1.0): properties as Microsoft publishes them. */
import { p, ro, rw, type EntityTable } from './types';

export const CONTACT_FOLDER: EntityTable = {
  name: 'microsoft.graph.contactFolder',
  properties: {
    displayName: rw(p('String')),
    id: ro(p('String')),
    parentFolderId: ro(p('String')),
  },
  navigation: ['childFolders', 'contacts', 'multiValueExtendedProperties', 'singleValueExtendedProperties'],
  bodyNavigation: ['singleValueExtendedProperties', 'multiValueExtendedProperties'],
};
