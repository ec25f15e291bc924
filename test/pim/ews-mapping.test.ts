import fc from 'fast-check';
import { mapCalendarItem } from '../../shared/pim/ews/calendar';
import { birthdayDate } from '../../shared/pim/ews/contact';
import { RecurrenceError, recurrenceToRrule } from '../../shared/pim/ews/recurrence';
import { call, child, parseXml, type XNode } from '../../shared/pim/ews/soap';
import type { EwsTransport } from '../../shared/pim/ews/transport';
import { readMeetingTimeZone, resolveTimeZone, wallClock, zonedInstant } from '../../shared/pim/ews/timezone';

/** Parses a fragment the way the source parses a GetItem answer (prefixes dropped, repeats as arrays). */
function xml(fragment: string): XNode {
  return parseXml(`<r xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">${fragment}</r>`)
    .r as XNode;
}

const rule = (day: string, index: string, month: string) =>
  `<t:RelativeYearlyRecurrence><t:DaysOfWeek>${day}</t:DaysOfWeek><t:DayOfWeekIndex>${index}</t:DayOfWeekIndex><t:Month>${month}</t:Month></t:RelativeYearlyRecurrence>`;

function meetingTimeZone(name: string, base: string, dst?: { start: string; end: string }): string {
  if (!dst)
    return `<t:MeetingTimeZone TimeZoneName="${name}"><t:BaseOffset>${base}</t:BaseOffset></t:MeetingTimeZone>`;
  return (
    `<t:MeetingTimeZone TimeZoneName="${name}"><t:BaseOffset>${base}</t:BaseOffset>` +
    `<t:Standard><t:Offset>PT0M</t:Offset>${dst.end}<t:Time>02:00:00</t:Time></t:Standard>` +
    `<t:Daylight><t:Offset>-PT1H</t:Offset>${dst.start}<t:Time>02:00:00</t:Time></t:Daylight></t:MeetingTimeZone>`
  );
}

function resolve(fragment: string): string | undefined {
  const tz = readMeetingTimeZone(child(xml(fragment), 'MeetingTimeZone'));
  if (!tz || tz === 'unreadable') return undefined;
  return resolveTimeZone(tz);
}

const EU = { start: rule('Sunday', 'Last', 'March'), end: rule('Sunday', 'Last', 'October') };
const US = { start: rule('Sunday', 'Second', 'March'), end: rule('Sunday', 'First', 'November') };
const US_BEFORE_2007 = { start: rule('Sunday', 'First', 'April'), end: rule('Sunday', 'Last', 'October') };
const AU = { start: rule('Sunday', 'First', 'October'), end: rule('Sunday', 'First', 'April') };

describe('MeetingTimeZone → IANA zone', () => {
  it.each([
    ['(GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna', '-PT1H', EU, 'Europe/Berlin'],
    ['(GMT+01:00) Brussels, Copenhagen, Madrid, Paris', '-PT1H', EU, 'Europe/Paris'],
    ['(GMT) Greenwich Mean Time : Dublin, Edinburgh, Lisbon, London', 'PT0M', EU, 'Europe/London'],
    ['(GMT) Lisbon', 'PT0M', EU, 'Europe/Lisbon'],
    ['(GMT+02:00) Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius', '-PT2H', EU, 'Europe/Helsinki'],
    ['(GMT-05:00) Eastern Time (US & Canada)', 'PT5H', US, 'America/New_York'],
    ['(GMT-05:00) Eastern Time (US & Canada)', 'PT5H', US_BEFORE_2007, 'America/New_York'],
    ['(GMT-06:00) Central Time (US & Canada)', 'PT6H', US, 'America/Chicago'],
    ['(GMT-08:00) Pacific Time (US & Canada)', 'PT8H', US, 'America/Los_Angeles'],
    ['(GMT+10:00) Canberra, Melbourne, Sydney', '-PT10H', AU, 'Australia/Sydney'],
    ['(GMT+10:00) Hobart', '-PT10H', AU, 'Australia/Hobart'],
  ])('%s (%s) → %s', (name, base, dst, zone) => {
    expect(resolve(meetingTimeZone(name.replace('&', '&amp;'), base, dst))).toBe(zone);
  });

  it.each([
    ['(GMT+05:30) Chennai, Kolkata, Mumbai, New Delhi', '-PT5H30M', 'Asia/Kolkata'],
    ['(GMT+08:00) Beijing, Chongqing, Hong Kong, Urumqi', '-PT8H', 'Asia/Shanghai'],
    ['(GMT-07:00) Arizona', 'PT7H', 'America/Phoenix'],
    ['(GMT-05:00) Bogota, Lima, Quito', 'PT5H', 'Etc/GMT+5'],
    ['(GMT) Casablanca, Monrovia', 'PT0M', 'UTC'],
  ])('%s without daylight time → %s', (name, base, zone) => {
    expect(resolve(meetingTimeZone(name, base))).toBe(zone);
  });

  it('matches no zone for rules no zone uses', () => {
    expect(
      resolve(
        meetingTimeZone('Custom', '-PT1H', {
          start: rule('Sunday', 'First', 'April'),
          end: rule('Sunday', 'First', 'September'),
        }),
      ),
    ).toBeUndefined();
    expect(resolve(meetingTimeZone('Eastern, wrong bias', 'PT4H30M', US))).toBeUndefined();
  });

  it('converts between instants and wall-clock time in both directions (property)', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'Etc/GMT+5'];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }),
        fc.constantFrom(...zones),
        (ms, zone) => {
          const t = Math.floor(ms / 1000) * 1000;
          const wall = wallClock(new Date(t), zone);
          // The wall clock of the instant found for a wall-clock time is that wall-clock time.
          expect(wallClock(zonedInstant(wall, zone), zone)).toBe(wall);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('EWS Recurrence → RRULE', () => {
  const rrule = (pattern: string, range: string, start = '2024-01-09T08:30:00', allDay = false) =>
    recurrenceToRrule(
      child(xml(`<t:Recurrence>${pattern}${range}</t:Recurrence>`), 'Recurrence') as XNode,
      start,
      'Europe/Berlin',
      allDay,
    );
  const noEnd = '<t:NoEndRecurrence><t:StartDate>2024-01-09</t:StartDate></t:NoEndRecurrence>';

  it.each([
    ['<t:DailyRecurrence><t:Interval>3</t:Interval></t:DailyRecurrence>', 'FREQ=DAILY;INTERVAL=3'],
    [
      '<t:WeeklyRecurrence><t:Interval>2</t:Interval><t:DaysOfWeek>Tuesday Thursday</t:DaysOfWeek></t:WeeklyRecurrence>',
      'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH',
    ],
    [
      '<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Weekday</t:DaysOfWeek></t:WeeklyRecurrence>',
      'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
    ],
    [
      '<t:AbsoluteMonthlyRecurrence><t:Interval>1</t:Interval><t:DayOfMonth>31</t:DayOfMonth></t:AbsoluteMonthlyRecurrence>',
      'FREQ=MONTHLY;BYMONTHDAY=31',
    ],
    [
      '<t:RelativeMonthlyRecurrence><t:Interval>2</t:Interval><t:DaysOfWeek>Friday</t:DaysOfWeek><t:DayOfWeekIndex>Last</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence>',
      'FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR',
    ],
    [
      '<t:RelativeMonthlyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Weekday</t:DaysOfWeek><t:DayOfWeekIndex>First</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence>',
      'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1',
    ],
    [
      '<t:AbsoluteYearlyRecurrence><t:DayOfMonth>29</t:DayOfMonth><t:Month>February</t:Month></t:AbsoluteYearlyRecurrence>',
      'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29',
    ],
    [
      '<t:RelativeYearlyRecurrence><t:DaysOfWeek>Thursday</t:DaysOfWeek><t:DayOfWeekIndex>Fourth</t:DayOfWeekIndex><t:Month>November</t:Month></t:RelativeYearlyRecurrence>',
      'FREQ=YEARLY;BYMONTH=11;BYDAY=4TH',
    ],
  ])('%s', (pattern, expected) => {
    expect(rrule(pattern, noEnd)).toBe(expected);
  });

  it('writes COUNT, and UNTIL as the last day at the start time in UTC (or as a date for all-day)', () => {
    const daily = '<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>';
    expect(
      rrule(
        daily,
        '<t:NumberedRecurrence><t:StartDate>2024-01-09</t:StartDate><t:NumberOfOccurrences>7</t:NumberOfOccurrences></t:NumberedRecurrence>',
      ),
    ).toBe('FREQ=DAILY;COUNT=7');
    // 08:30 in Berlin on 30 June (summer time) is 06:30Z.
    const until =
      '<t:EndDateRecurrence><t:StartDate>2024-01-09+01:00</t:StartDate><t:EndDate>2024-06-30+02:00</t:EndDate></t:EndDateRecurrence>';
    expect(rrule(daily, until)).toBe('FREQ=DAILY;UNTIL=20240630T063000Z');
    expect(rrule(daily, until, '2024-01-09T00:00:00', true)).toBe('FREQ=DAILY;UNTIL=20240630');
  });

  it('refuses what it cannot read', () => {
    expect(() =>
      rrule('<t:DailyRegeneration><t:Interval>1</t:Interval></t:DailyRegeneration>', noEnd),
    ).toThrow(RecurrenceError);
    expect(() =>
      rrule(
        '<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Someday</t:DaysOfWeek></t:WeeklyRecurrence>',
        noEnd,
      ),
    ).toThrow(/unknown day/);
    expect(() => rrule('<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>', '')).toThrow(
      /no recurrence range/,
    );
  });
});

describe('calendar item mapping edge cases', () => {
  const item = (inner: string) =>
    child(
      xml(
        `<t:CalendarItem><t:ItemId Id="AAMkX" ChangeKey="1"/><t:Subject>Broken</t:Subject>${inner}</t:CalendarItem>`,
      ),
      'CalendarItem',
    ) as XNode;

  it('lists an item with an unreadable Start as PIM_MALFORMED, naming it', () => {
    const mapped = mapCalendarItem(
      item('<t:Start>yesterday</t:Start><t:End>2024-01-01T10:00:00Z</t:End>'),
      new Map(),
    );
    expect(mapped).toMatchObject({
      kind: 'unsupported',
      code: 'PIM_MALFORMED',
      label: 'Broken',
      message: expect.stringMatching(/Start "yesterday"/),
    });
  });

  it('keeps a single event in an unknown zone at its exact instants in UTC', () => {
    const odd = meetingTimeZone('Custom', '-PT1H', {
      start: rule('Sunday', 'First', 'April'),
      end: rule('Sunday', 'First', 'September'),
    });
    const mapped = mapCalendarItem(
      item(`<t:Start>2024-07-01T08:00:00Z</t:Start><t:End>2024-07-01T09:00:00Z</t:End>${odd}`),
      new Map(),
    );
    expect(mapped).toMatchObject({
      kind: 'event',
      start: { dateTime: '2024-07-01T08:00:00', timeZone: 'UTC' },
    });
  });

  it('keeps an all-day event in an unknown zone on its dates', () => {
    const odd = meetingTimeZone('Custom', '-PT1H', {
      start: rule('Sunday', 'First', 'April'),
      end: rule('Sunday', 'First', 'September'),
    });
    const mapped = mapCalendarItem(
      item(
        `<t:Start>2024-06-30T22:00:00Z</t:Start><t:End>2024-07-01T22:00:00Z</t:End><t:IsAllDayEvent>true</t:IsAllDayEvent>${odd}`,
      ),
      new Map(),
    );
    expect(mapped).toMatchObject({
      kind: 'event',
      isAllDay: true,
      start: { dateTime: '2024-07-01T00:00:00' },
      end: { dateTime: '2024-07-02T00:00:00' },
    });
  });
});

describe('contact birthday', () => {
  it.each([
    ['1975-08-22T22:00:00Z', '1975-08-23'], // local midnight in Berlin (summer)
    ['1975-08-23T04:00:00Z', '1975-08-23'], // local midnight in New York (summer)
    ['1975-08-23T00:00:00Z', '1975-08-23'],
  ])('%s → %s', (value, date) => expect(birthdayDate(value)).toBe(date));
});

describe('SOAP faults', () => {
  it('codes a busy fault as transient EWS_SERVER_BUSY with the back-off Exchange asks for', async () => {
    const faultXml =
      `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>` +
      `<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorServerBusy</faultcode>` +
      `<faultstring xml:lang="en-US">The server cannot service this request right now. Try again later.</faultstring>` +
      `<detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy</e:ResponseCode>` +
      `<t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:Value Name="BackOffMilliseconds">29987</t:Value></t:MessageXml>` +
      `</detail></s:Fault></s:Body></s:Envelope>`;
    const transport = {
      post: async () => ({ status: 500, headers: {}, body: faultXml, truncated: false }),
    } as unknown as EwsTransport;
    await expect(
      call({ transport, mailbox: 'a@contoso.com', user: 'svc' }, 'FindItem', '<m:FindItem/>'),
    ).rejects.toMatchObject({
      code: 'EWS_SERVER_BUSY',
      transient: true,
      details: { retryAfterMs: 29987, responseCode: 'ErrorServerBusy' },
    });
  });
});
