/** microsoft.graph.message (v1.0): properties, types and enums as Microsoft publishes them. */
import { ENUMS } from './complex';
import { c, coll, p, ro, rw, type EntityTable } from './types';

const S = p('String');
const recipients = rw(coll(c('recipient')));

export const MESSAGE: EntityTable = {
  name: 'microsoft.graph.message',
  properties: {
    bccRecipients: recipients,
    body: rw(c('itemBody')),
    bodyPreview: ro(S),
    categories: rw(coll(S)),
    ccRecipients: recipients,
    changeKey: ro(S),
    conversationId: ro(S),
    conversationIndex: ro(p('Binary')),
    createdDateTime: ro(p('DateTimeOffset')),
    flag: rw(c('followupFlag')),
    from: rw(c('recipient')),
    hasAttachments: ro(p('Boolean')),
    id: ro(S),
    importance: rw(ENUMS.importance),
    inferenceClassification: rw(ENUMS.inferenceClassificationType),
    internetMessageHeaders: rw(coll(c('internetMessageHeader'))),
    internetMessageId: rw(S),
    isDeliveryReceiptRequested: rw(p('Boolean')),
    isDraft: ro(p('Boolean')),
    isRead: rw(p('Boolean')),
    isReadReceiptRequested: rw(p('Boolean')),
    lastModifiedDateTime: ro(p('DateTimeOffset')),
    parentFolderId: ro(S),
    receivedDateTime: ro(p('DateTimeOffset')),
    replyTo: recipients,
    sender: rw(c('recipient')),
    sentDateTime: ro(p('DateTimeOffset')),
    subject: rw(S),
    toRecipients: recipients,
    uniqueBody: ro(c('itemBody')),
    webLink: ro(S),
  },
  navigation: ['attachments', 'extensions', 'multiValueExtendedProperties', 'singleValueExtendedProperties'],
  bodyNavigation: ['attachments', 'singleValueExtendedProperties', 'multiValueExtendedProperties'],
};
