/**
 * microsoft.graph.user (v1.0), the subset the stand-in serves: the properties its directory answers
 * and the ones an app may PATCH (password profile, usage location, names, account state).
 */
import { c, coll, p, ro, rw, type EntityTable } from './types';

const S = p('String');

export const USER: EntityTable = {
  name: 'microsoft.graph.user',
  properties: {
    accountEnabled: rw(p('Boolean')),
    assignedLicenses: ro(coll(c('assignedLicense'))),
    businessPhones: rw(coll(S)),
    city: rw(S),
    companyName: rw(S),
    country: rw(S),
    department: rw(S),
    displayName: rw(S),
    givenName: rw(S),
    id: ro(S),
    jobTitle: rw(S),
    mail: rw(S),
    mailNickname: rw(S),
    mobilePhone: rw(S),
    officeLocation: rw(S),
    onPremisesSyncEnabled: ro(p('Boolean')),
    passwordPolicies: rw(S),
    passwordProfile: rw(c('passwordProfile')),
    preferredLanguage: rw(S),
    provisionedPlans: ro(coll(S)),
    proxyAddresses: ro(coll(S)),
    surname: rw(S),
    usageLocation: rw(S),
    userPrincipalName: rw(S),
  },
  navigation: [
    'calendar',
    'calendars',
    'contactFolders',
    'contacts',
    'events',
    'mailFolders',
    'manager',
    'messages',
    'photo',
  ],
  bodyNavigation: [],
};
