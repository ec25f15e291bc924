import { ME, useRawStandin } from './client';

const ZONE = 'W. Europe Standard Time';
const LOCAL = { prefer: `outlook.timezone="${ZONE}"` };

interface Instance {
  id: string;
  type: string;
  subject: string;
  seriesMasterId: string | null;
  start: { dateTime: string };
  end: { dateTime: string };
}

describe('recurrence: /instances and /calendarView expand patternedRecurrence as Outlook lays it out', () => {
  const h = useRawStandin();

  async function series(
    pattern: Record<string, unknown>,
    range: Record<string, unknown>,
    start = '2026-03-02T09:00:00',
    end = '2026-03-02T09:30:00',
    zone = ZONE,
  ): Promise<string> {
    const r = await h().call('POST', `${ME}/events`, {
      subject: 'Series',
      start: { dateTime: start, timeZone: zone },
      end: { dateTime: end, timeZone: zone },
      recurrence: { pattern, range },
    });
    expect(r.status).toBe(201);
    expect(r.body.type).toBe('seriesMaster');
    return r.body.id as string;
  }

  async function instances(id: string, from: string, to: string, headers = LOCAL): Promise<Instance[]> {
    const r = await h().call(
      'GET',
      `${ME}/events/${id}/instances?startDateTime=${from}&endDateTime=${to}&$top=100`,
      undefined,
      headers,
    );
    expect(r.status).toBe(200);
    return r.body.value as Instance[];
  }

  const days = (list: Instance[]) => list.map((i) => i.start.dateTime.slice(0, 10));

  it('daily: every second day, four occurrences', async () => {
    const id = await series(
      { type: 'daily', interval: 2 },
      { type: 'numbered', startDate: '2026-03-02', numberOfOccurrences: 4 },
    );
    const list = await instances(id, '2026-01-01T00:00:00Z', '2026-12-31T00:00:00Z');
    expect(days(list)).toEqual(['2026-03-02', '2026-03-04', '2026-03-06', '2026-03-08']);
    expect(list[0]).toMatchObject({ type: 'occurrence', seriesMasterId: id });
    expect(list[0]!.start.dateTime).toBe('2026-03-02T09:00:00.0000000');
    expect(list[0]!.end.dateTime).toBe('2026-03-02T09:30:00.0000000');
  });

  it('weekly: every other week, and the first day of the week decides which weeks those are', async () => {
    const range = { type: 'endDate', startDate: '2026-03-02', endDate: '2026-03-31' };
    const monday = await series(
      { type: 'weekly', interval: 2, daysOfWeek: ['sunday', 'monday'], firstDayOfWeek: 'monday' },
      range,
    );
    const sunday = await series(
      { type: 'weekly', interval: 2, daysOfWeek: ['sunday', 'monday'], firstDayOfWeek: 'sunday' },
      range,
    );
    const window = ['2026-02-01T00:00:00Z', '2026-05-01T00:00:00Z'] as const;
    expect(days(await instances(monday, ...window))).toEqual([
      '2026-03-02',
      '2026-03-08',
      '2026-03-16',
      '2026-03-22',
      '2026-03-30',
    ]);
    expect(days(await instances(sunday, ...window))).toEqual([
      '2026-03-02',
      '2026-03-15',
      '2026-03-16',
      '2026-03-29',
      '2026-03-30',
    ]);
  });

  it('absoluteMonthly: the 31st falls on the last day of shorter months', async () => {
    const id = await series(
      { type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 },
      { type: 'numbered', startDate: '2026-01-31', numberOfOccurrences: 4 },
      '2026-01-31T09:00:00',
      '2026-01-31T10:00:00',
    );
    expect(days(await instances(id, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'))).toEqual([
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
    ]);
  });

  it('relativeMonthly: the last Friday, and the first weekday of a set of days', async () => {
    const lastFriday = await series(
      { type: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'last' },
      { type: 'numbered', startDate: '2026-01-01', numberOfOccurrences: 3 },
      '2026-01-01T09:00:00',
      '2026-01-01T10:00:00',
    );
    expect(days(await instances(lastFriday, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'))).toEqual([
      '2026-01-30',
      '2026-02-27',
      '2026-03-27',
    ]);
    const firstWeekday = await series(
      {
        type: 'relativeMonthly',
        interval: 1,
        daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
        index: 'first',
      },
      { type: 'numbered', startDate: '2026-02-01', numberOfOccurrences: 3 },
      '2026-02-01T09:00:00',
      '2026-02-01T10:00:00',
    );
    expect(days(await instances(firstWeekday, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'))).toEqual([
      '2026-02-02',
      '2026-03-02',
      '2026-04-01',
    ]);
  });

  it('absoluteYearly and relativeYearly', async () => {
    const leap = await series(
      { type: 'absoluteYearly', interval: 1, month: 2, dayOfMonth: 29 },
      { type: 'numbered', startDate: '2024-02-29', numberOfOccurrences: 3 },
      '2024-02-29T09:00:00',
      '2024-02-29T10:00:00',
    );
    expect(days(await instances(leap, '2024-01-01T00:00:00Z', '2030-01-01T00:00:00Z'))).toEqual([
      '2024-02-29',
      '2025-02-28',
      '2026-02-28',
    ]);
    const secondSundayOfMay = await series(
      { type: 'relativeYearly', interval: 1, month: 5, daysOfWeek: ['sunday'], index: 'second' },
      { type: 'noEnd', startDate: '2026-01-01' },
      '2026-01-01T09:00:00',
      '2026-01-01T10:00:00',
    );
    expect(days(await instances(secondSundayOfMay, '2026-01-01T00:00:00Z', '2028-01-01T00:00:00Z'))).toEqual([
      '2026-05-10',
      '2027-05-09',
    ]);
  });

  it('keeps the wall-clock time of the recurrence time zone across a daylight-saving change', async () => {
    const id = await series(
      { type: 'weekly', interval: 1, daysOfWeek: ['thursday'] },
      { type: 'noEnd', startDate: '2026-03-05', recurrenceTimeZone: 'Eastern Standard Time' },
      '2026-03-05T09:00:00',
      '2026-03-05T10:00:00',
      'Eastern Standard Time',
    );
    const utc = await instances(id, '2026-03-01T00:00:00Z', '2026-03-15T00:00:00Z', { prefer: '' });
    expect(utc.map((i) => i.start.dateTime)).toEqual([
      '2026-03-05T14:00:00.0000000',
      '2026-03-12T13:00:00.0000000',
    ]);
  });

  it('an edited occurrence becomes an exception; a deleted one disappears from instances and calendarView', async () => {
    const id = await series(
      { type: 'daily', interval: 1 },
      { type: 'numbered', startDate: '2026-06-01', numberOfOccurrences: 3 },
      '2026-06-01T09:00:00',
      '2026-06-01T09:30:00',
    );
    const [first, second, third] = await instances(id, '2026-06-01T00:00:00Z', '2026-06-04T00:00:00Z');
    const edited = await h().call(
      'PATCH',
      `${ME}/events/${second!.id}`,
      {
        subject: 'Moved',
        start: { dateTime: '2026-06-02T15:00:00', timeZone: ZONE },
        end: { dateTime: '2026-06-02T16:00:00', timeZone: ZONE },
      },
      LOCAL,
    );
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ type: 'exception', subject: 'Moved', seriesMasterId: id });
    expect((await h().call('DELETE', `${ME}/events/${third!.id}`)).status).toBe(204);
    expect((await h().call('GET', `${ME}/events/${third!.id}`)).status).toBe(404);

    const list = await instances(id, '2026-06-01T00:00:00Z', '2026-06-04T00:00:00Z');
    expect(list.map((i) => [i.id, i.type, i.subject, i.start.dateTime])).toEqual([
      [first!.id, 'occurrence', 'Series', '2026-06-01T09:00:00.0000000'],
      [second!.id, 'exception', 'Moved', '2026-06-02T15:00:00.0000000'],
    ]);
    const single = await h().call('POST', `${ME}/events`, {
      subject: 'One-off',
      start: { dateTime: '2026-06-01T12:00:00', timeZone: ZONE },
      end: { dateTime: '2026-06-01T13:00:00', timeZone: ZONE },
    });
    const view = await h().call(
      'GET',
      `${ME}/calendarView?startDateTime=2026-06-01T00:00:00Z&endDateTime=2026-06-04T00:00:00Z`,
      undefined,
      LOCAL,
    );
    expect(view.body.value.map((i: Instance) => [i.id, i.type])).toEqual([
      [first!.id, 'occurrence'],
      [single.body.id, 'singleInstance'],
      [second!.id, 'exception'],
    ]);
  });

  it('needs a time window, as Graph does', async () => {
    const r = await h().call('GET', `${ME}/calendarView`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/StartDateTime and EndDateTime/);
  });

  it('refuses a weekly pattern without days and an endDate range without an end', async () => {
    const weekly = await h().call('POST', `${ME}/events`, {
      start: { dateTime: '2026-03-02T09:00:00', timeZone: ZONE },
      end: { dateTime: '2026-03-02T10:00:00', timeZone: ZONE },
      recurrence: {
        pattern: { type: 'weekly', interval: 1 },
        range: { type: 'noEnd', startDate: '2026-03-02' },
      },
    });
    expect(weekly.status).toBe(400);
    const noEndDate = await h().call('POST', `${ME}/events`, {
      start: { dateTime: '2026-03-02T09:00:00', timeZone: ZONE },
      end: { dateTime: '2026-03-02T10:00:00', timeZone: ZONE },
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'endDate', startDate: '2026-03-02' },
      },
    });
    expect(noEndDate.status).toBe(400);
  });
});
