/** microsoft.graph.calendar (v1.0): properties, types and enums as Microsoft publishes them. */
import { ENUMS } from './complex';
import { c, coll, p, ro, rw, type EntityTable } from './types';

export const CALENDAR: EntityTable = {
  name: 'microsoft.graph.calendar',
  properties: {
    allowedOnlineMeetingProviders: rw(coll(ENUMS.onlineMeetingProviderType)),
    canEdit: ro(p('Boolean')),
    canShare: ro(p('Boolean')),
    canViewPrivateItems: ro(p('Boolean')),
    changeKey: ro(p('String')),
    color: rw(ENUMS.calendarColor),
    defaultOnlineMeetingProvider: rw(ENUMS.onlineMeetingProviderType),
    hexColor: rw(p('String')),
    id: ro(p('String')),
    isDefaultCalendar: ro(p('Boolean')),
    isRemovable: ro(p('Boolean')),
    isTallyingResponses: ro(p('Boolean')),
    name: rw(p('String')),
    owner: ro(c('emailAddress')),
  },
  navigation: [
    'calendarPermissions',
    'calendarView',
    'events',
    'multiValueExtendedProperties',
    'singleValueExtendedProperties',
  ],
  bodyNavigation: ['singleValueExtendedProperties', 'multiValueExtendedProperties'],
};
