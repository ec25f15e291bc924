import { ME, useRawStandin } from './client';

/**
 * Requests Graph refuses, each answered 400 with Graph's error shape and code. The stand-in used to
 * answer almost all of them 2xx, which let a client bug pass the tests and fail on a real tenant.
 */

const ZONE = 'W. Europe Standard Time';
const KEY = 'String {5b0c5d1e-8a7f-4a43-9f3e-6d2b8a1c4e70} Name mailferryItemKey';
const event = (extra: Record<string, unknown> = {}) => ({
  subject: 'S',
  start: { dateTime: '2026-05-04T09:00:00', timeZone: ZONE },
  end: { dateTime: '2026-05-04T10:00:00', timeZone: ZONE },
  ...extra,
});
const recurrence = (pattern: Record<string, unknown>, range: Record<string, unknown> = {}) => ({
  recurrence: {
    pattern: { type: 'daily', interval: 1, ...pattern },
    range: { type: 'numbered', startDate: '2026-05-04', numberOfOccurrences: 3, ...range },
  },
});
const message = (extra: Record<string, unknown> = {}) => ({
  subject: 'M',
  body: { contentType: 'text', content: 'x' },
  toRecipients: [{ emailAddress: { address: 'a@contoso.com' } }],
  ...extra,
});
const filterOn = (id: string) =>
  encodeURIComponent(`singleValueExtendedProperties/Any(ep: ep/id eq '${id}' and ep/value eq 'x')`);

type Case = [name: string, method: string, path: string, body: unknown, code: string];

// {E} {C} {M} {U} stand for an existing event, contact, message and the user's id.
const INVALID: Case[] = [
  ['event: unknown property', 'POST', '/events', event({ subjekt: 'x' }), 'RequestBodyRead'],
  ['event: subject is a number', 'POST', '/events', event({ subject: 42 }), 'RequestBodyRead'],
  ['event: isAllDay is a string', 'POST', '/events', event({ isAllDay: 'yes' }), 'RequestBodyRead'],
  [
    'event: importance outside its enum',
    'POST',
    '/events',
    event({ importance: 'urgent' }),
    'RequestBodyRead',
  ],
  ['event: showAs outside its enum', 'POST', '/events', event({ showAs: 'away' }), 'RequestBodyRead'],
  [
    'event: sensitivity outside its enum',
    'POST',
    '/events',
    event({ sensitivity: 'secret' }),
    'RequestBodyRead',
  ],
  [
    'event: attendees not an array',
    'POST',
    '/events',
    event({ attendees: { emailAddress: { address: 'b@x.com' } } }),
    'RequestBodyRead',
  ],
  [
    'event: attendee type outside its enum',
    'POST',
    '/events',
    event({ attendees: [{ emailAddress: { address: 'b@x.com' }, type: 'mandatory' }] }),
    'RequestBodyRead',
  ],
  [
    'event: attendee with an unknown property',
    'POST',
    '/events',
    event({ attendees: [{ emailAddress: { address: 'b@x.com' }, role: 'chair' }] }),
    'RequestBodyRead',
  ],
  [
    'event: start is a string',
    'POST',
    '/events',
    event({ start: '2026-05-04T09:00:00Z' }),
    'RequestBodyRead',
  ],
  ['event: hourly pattern', 'POST', '/events', event(recurrence({ type: 'hourly' })), 'RequestBodyRead'],
  [
    'event: abbreviated day of week',
    'POST',
    '/events',
    event(recurrence({ type: 'weekly', daysOfWeek: ['mon'] })),
    'RequestBodyRead',
  ],
  [
    'event: week index outside its enum',
    'POST',
    '/events',
    event(recurrence({ type: 'relativeMonthly', daysOfWeek: ['monday'], index: 'fifth' })),
    'RequestBodyRead',
  ],
  [
    'event: range startDate not a date',
    'POST',
    '/events',
    event(recurrence({}, { startDate: '2026-13-01' })),
    'RequestBodyRead',
  ],
  [
    'event: reminder minutes not an integer',
    'POST',
    '/events',
    event({ reminderMinutesBeforeStart: 1.5 }),
    'RequestBodyRead',
  ],
  [
    'event: null where a Boolean is required',
    'POST',
    '/events',
    event({ isReminderOn: null }),
    'RequestBodyRead',
  ],
  [
    'event: unknown property in location.address',
    'POST',
    '/events',
    event({ location: { displayName: 'R', address: { zip: '1000' } } }),
    'RequestBodyRead',
  ],
  [
    'event: body contentType outside its enum',
    'POST',
    '/events',
    event({ body: { contentType: 'markdown', content: '# x' } }),
    'RequestBodyRead',
  ],
  [
    'event: malformed extended property id',
    'POST',
    '/events',
    event({ singleValueExtendedProperties: [{ id: 'mailferryKey', value: 'x' }] }),
    'ErrorInvalidProperty',
  ],
  [
    'event: extended property value of the wrong MAPI type',
    'POST',
    '/events',
    event({ singleValueExtendedProperties: [{ id: 'Integer 0x0E07', value: 'abc' }] }),
    'ErrorInvalidExtendedPropertyValue',
  ],
  [
    'event: time zone Graph does not know',
    'POST',
    '/events',
    event({ end: { dateTime: '2026-05-04T10:00:00', timeZone: 'Mars/Olympus' } }),
    'TimeZoneNotSupportedException',
  ],
  [
    'event: multi-value extended property with a single-value type',
    'POST',
    '/events',
    event({
      multiValueExtendedProperties: [
        { id: 'String {00020329-0000-0000-c000-000000000046} Name Tags', value: ['a'] },
      ],
    }),
    'ErrorInvalidProperty',
  ],
  ['event: PATCH with an unknown property', 'PATCH', '/events/{E}', { locaton: 'x' }, 'RequestBodyRead'],
  [
    'event: $select of an unknown property',
    'GET',
    '/events?$select=subjekt',
    undefined,
    'RequestBroker--ParseUri',
  ],
  ['event: $expand of a structural property', 'GET', '/events?$expand=attendees', undefined, 'BadRequest'],
  ['event: $search on events', 'GET', '/events?$search=budget', undefined, 'BadRequest'],
  ['event: unknown system query option', 'GET', '/events?$foo=1', undefined, 'BadRequest'],
  ['event: $top on a single item', 'GET', '/events/{E}?$top=5', undefined, 'BadRequest'],
  ['event: $top not a number', 'GET', '/events?$top=abc', undefined, 'BadRequest'],
  [
    'event: $filter on a malformed extended property id',
    'GET',
    `/events?$filter=${filterOn('bogus')}`,
    undefined,
    'ErrorInvalidProperty',
  ],
  [
    'event: $filter on an unknown property',
    'GET',
    `/events?$filter=${encodeURIComponent("subjekt eq 'x'")}`,
    undefined,
    'RequestBroker--ParseUri',
  ],
  [
    'event: $expand of a malformed extended property id',
    'GET',
    `/events/{E}?$expand=${encodeURIComponent("singleValueExtendedProperties($filter=id eq 'bogus')")}`,
    undefined,
    'ErrorInvalidProperty',
  ],
  ['event: malformed id', 'GET', '/events/AAMk-not-an-id', undefined, 'ErrorInvalidIdMalformed'],
  ['calendarView without a window', 'GET', '/calendarView', undefined, 'ErrorInvalidParameter'],
  ['instances without a window', 'GET', '/events/{E}/instances', undefined, 'ErrorInvalidParameter'],
  ['calendar: unknown property', 'POST', '/calendars', { name: 'X', colour: 'lightBlue' }, 'RequestBodyRead'],
  ['calendar: color outside its enum', 'POST', '/calendars', { name: 'Y', color: 'red' }, 'RequestBodyRead'],
  ['contact: unknown property', 'POST', '/contacts', { givenName: 'A', email: 'a@x.com' }, 'RequestBodyRead'],
  [
    'contact: emailAddresses as strings',
    'POST',
    '/contacts',
    { givenName: 'A', emailAddresses: ['a@x.com'] },
    'RequestBodyRead',
  ],
  [
    'contact: businessPhones not an array',
    'POST',
    '/contacts',
    { givenName: 'A', businessPhones: '123' },
    'RequestBodyRead',
  ],
  [
    'contact: birthday not a DateTimeOffset',
    'POST',
    '/contacts',
    { givenName: 'A', birthday: '12/09/1906' },
    'RequestBodyRead',
  ],
  [
    'contact: four e-mail addresses',
    'POST',
    '/contacts',
    { givenName: 'A', emailAddresses: [1, 2, 3, 4].map((i) => ({ address: `a${i}@x.com` })) },
    'ErrorInvalidArgument',
  ],
  [
    'contact: PATCH with a wrong type',
    'PATCH',
    '/contacts/{C}',
    { companyName: ['Contoso'] },
    'RequestBodyRead',
  ],
  [
    'contact: $expand of something that is not a navigation property',
    'GET',
    '/contacts?$expand=attachments',
    undefined,
    'BadRequest',
  ],
  ['contact: malformed id', 'GET', '/contacts/12345', undefined, 'ErrorInvalidIdMalformed'],
  [
    'contactFolder: unknown property',
    'POST',
    '/contactFolders',
    { displayName: 'X', name: 'Y' },
    'RequestBodyRead',
  ],
  [
    'message: unknown property',
    'POST',
    '/messages',
    message({ sentDate: '2026-01-01T00:00:00Z' }),
    'RequestBodyRead',
  ],
  ['message: isRead as a string', 'POST', '/messages', message({ isRead: 'true' }), 'RequestBodyRead'],
  [
    'message: importance outside its enum',
    'POST',
    '/messages',
    message({ importance: 'urgent' }),
    'RequestBodyRead',
  ],
  [
    'message: recipient without its emailAddress wrapper',
    'POST',
    '/messages',
    message({ toRecipients: [{ address: 'a@x.com' }] }),
    'RequestBodyRead',
  ],
  [
    'message: flagStatus outside its enum',
    'POST',
    '/messages',
    message({ flag: { flagStatus: 'red' } }),
    'RequestBodyRead',
  ],
  [
    'message: malformed extended property id',
    'POST',
    '/messages',
    message({ singleValueExtendedProperties: [{ id: 'Integer 0xZZZZ', value: '1' }] }),
    'ErrorInvalidProperty',
  ],
  [
    'message: $select of an unknown property',
    'GET',
    '/messages?$select=foo',
    undefined,
    'RequestBroker--ParseUri',
  ],
  ['message: malformed id', 'GET', '/messages/xyz', undefined, 'ErrorInvalidIdMalformed'],
  [
    'mailFolder: unknown property',
    'POST',
    '/mailFolders',
    { displayName: 'A', hidden: true },
    'RequestBodyRead',
  ],
  ['user: unknown property', 'PATCH', '', { usageLocaton: 'US' }, 'Request_BadRequest'],
  ['user: accountEnabled as a string', 'PATCH', '', { accountEnabled: 'yes' }, 'Request_BadRequest'],
  ['user: $select of an unknown property', 'GET', '?$select=foo', undefined, 'Request_BadRequest'],
];

// The same requests, put right: each succeeds, so the refusals above are about the fault alone.
const VALID: Case[] = [
  [
    'event',
    'POST',
    '/events',
    event({ importance: 'high', showAs: 'tentative', attendees: [], isReminderOn: false }),
    '',
  ],
  [
    'weekly event',
    'POST',
    '/events',
    event(recurrence({ type: 'weekly', daysOfWeek: ['monday'], firstDayOfWeek: 'monday' })),
    '',
  ],
  [
    'event with extended property',
    'POST',
    '/events',
    event({ singleValueExtendedProperties: [{ id: KEY, value: 'k' }] }),
    '',
  ],
  [
    'event with multi-value extended property',
    'POST',
    '/events',
    event({
      multiValueExtendedProperties: [
        { id: 'StringArray {00020329-0000-0000-c000-000000000046} Name Tags', value: ['a', 'b'] },
      ],
    }),
    '',
  ],
  ['event $select', 'GET', '/events?$select=subject,start&$top=5', undefined, ''],
  ['event $filter', 'GET', `/events?$filter=${filterOn(KEY)}`, undefined, ''],
  [
    'event item $expand',
    'GET',
    `/events/{E}?$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${KEY}')`)}`,
    undefined,
    '',
  ],
  [
    'calendarView',
    'GET',
    '/calendarView?startDateTime=2026-05-01T00:00:00Z&endDateTime=2026-06-01T00:00:00Z&$top=5',
    undefined,
    '',
  ],
  ['calendar', 'POST', '/calendars', { name: 'Valid', color: 'lightBlue' }, ''],
  [
    'contact',
    'POST',
    '/contacts',
    { givenName: 'A', emailAddresses: [{ address: 'a@x.com' }], birthday: '1906-12-09T00:00:00Z' },
    '',
  ],
  ['contact PATCH', 'PATCH', '/contacts/{C}', { companyName: 'Contoso' }, ''],
  ['contactFolder', 'POST', '/contactFolders', { displayName: 'Valid' }, ''],
  [
    'message',
    'POST',
    '/messages',
    message({ isRead: true, importance: 'low', flag: { flagStatus: 'flagged' } }),
    '',
  ],
  ['message $select', 'GET', '/messages?$select=subject', undefined, ''],
  ['user PATCH', 'PATCH', '', { usageLocation: 'US' }, ''],
  ['user $select', 'GET', '?$select=id,usageLocation', undefined, ''],
];

describe('strict as Graph', () => {
  const h = useRawStandin();
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ids.E = (await h().call('POST', `${ME}/events`, event(recurrence({})))).body.id;
    ids.C = (await h().call('POST', `${ME}/contacts`, { givenName: 'Fixture' })).body.id;
    ids.M = (await h().call('POST', `${ME}/messages`, message())).body.id;
  });

  const url = (path: string) => `${ME}${path.replace(/\{(\w)\}/g, (_, k: string) => ids[k]!)}`;

  it(`refuses each of ${INVALID.length} requests Graph refuses, with Graph's 400 error shape and code`, async () => {
    const answers: Array<[string, number, string]> = [];
    for (const [name, method, path, body, code] of INVALID) {
      const r = await h().call(method, url(path), body, { 'client-request-id': `check-${answers.length}` });
      answers.push([name, r.status, r.body?.error?.code]);
      if (r.status === 400) {
        expect(r.body).toEqual({
          error: {
            code,
            message: expect.stringMatching(/\S/),
            innerError: {
              date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
              'request-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
              'client-request-id': `check-${answers.length - 1}`,
            },
          },
        });
      }
    }
    expect(answers).toEqual(INVALID.map(([name, , , , code]) => [name, 400, code]));
  });

  it('accepts the same requests put right', async () => {
    const answers: Array<[string, number]> = [];
    for (const [name, method, path, body] of VALID) {
      const r = await h().call(method, url(path), body);
      answers.push([name, r.status >= 200 && r.status < 300 ? 200 : r.status]);
    }
    expect(answers).toEqual(VALID.map(([name]) => [name, 200]));
  });

  it('keeps the published spelling of a property sent in another case, and ignores read-only ones', async () => {
    const r = await h().call(
      'POST',
      `${ME}/events`,
      event({ Subject: 'Cased', isOrganizer: false, bodyPreview: 'x' }),
    );
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ subject: 'Cased', isOrganizer: true, bodyPreview: '' });
    expect(r.body.Subject).toBeUndefined();
  });

  it('refuses an invalid sub-request of a $batch in its own response', async () => {
    const r = await h().call('POST', '/$batch', {
      requests: [
        {
          id: '1',
          method: 'POST',
          url: `${ME}/events`,
          headers: { 'content-type': 'application/json' },
          body: event({ showAs: 'away' }),
        },
        {
          id: '2',
          method: 'POST',
          url: `${ME}/events`,
          headers: { 'content-type': 'application/json' },
          body: event(),
        },
      ],
    });
    expect(r.status).toBe(200);
    const byId = Object.fromEntries(
      r.body.responses.map((x: { id: string; status: number }) => [x.id, x.status]),
    );
    expect(byId).toEqual({ '1': 400, '2': 201 });
  });

  it('refuses a $batch payload Graph refuses as a whole', async () => {
    const post = (id: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => ({
      id,
      method: 'POST',
      url: `${ME}/events`,
      headers,
      body: event(),
    });
    for (const requests of [
      [post('1'), post('1')],
      [post('1', {})],
      [{ id: '1', method: 'GET', url: `https://graph.microsoft.com/v1.0${ME}/events` }],
      [{ method: 'GET', url: `${ME}/events` }],
    ]) {
      const r = await h().call('POST', '/$batch', { requests });
      expect([r.status, r.body.error?.code]).toEqual([400, 'BadRequest']);
    }
  });
});
