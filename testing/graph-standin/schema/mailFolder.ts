/** microsoft.graph.mailFolder (v1.0): properties as Microsoft publishes them. */
import { p, ro, rw, type EntityTable } from './types';

export const MAIL_FOLDER: EntityTable = {
  name: 'microsoft.graph.mailFolder',
  properties: {
    childFolderCount: ro(p('Int32')),
    displayName: rw(p('String')),
    id: ro(p('String')),
    isHidden: rw(p('Boolean')),
    parentFolderId: ro(p('String')),
    totalItemCount: ro(p('Int32')),
    unreadItemCount: ro(p('Int32')),
  },
  navigation: [
    'childFolders',
    'messageRules',
    'messages',
    'multiValueExtendedProperties',
    'singleValueExtendedProperties',
  ],
  bodyNavigation: ['singleValueExtendedProperties', 'multiValueExtendedProperties'],
};
