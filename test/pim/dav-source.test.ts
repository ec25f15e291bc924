import { openDavSource } from '../../shared/pim/dav/source';
import type { PimContact, PimEvent, PimSource } from '../../shared/pim/model';
import { startRadicale, type RunningRadicale } from '../../testing/radicale';
import { CONTACTS, EVENTS, seedRadicale, USER } from './fixtures';

/** The CalDAV/CardDAV source against a real Radicale (Debian `radicale`, auth none, loopback). */
describe('DAV source on Radicale', () => {
  let radicale: RunningRadicale;
  let source: PimSource;
  beforeAll(async () => {
    radicale = await startRadicale();
    await seedRadicale(radicale);
    source = await openDavSource(
      { url: radicale.url, security: 'none', login: '{user}', defaultTimeZone: 'Europe/Berlin' },
      { email: `${USER}@example.test`, password: 'x' },
    );
  }, 30000);
  afterAll(async () => {
    await radicale?.stop();
  });

  it('discovers every calendar and address book of the user, one of each as the default', async () => {
    const all = await source.collections();
    expect(all.map((c) => [c.kind, c.displayName, c.isDefault]).sort()).toEqual(
      [
        ['calendar', 'Personal', true],
        ['calendar', 'Work Projects', false],
        ['contacts', 'Contacts', true],
        ['contacts', 'Friends', false],
      ].sort(),
    );
  });

  it('lists every item with an ETag version and fetches them as neutral items', async () => {
    const cal = (await source.collections()).find((c) => c.displayName === 'Personal')!;
    const refs = await source.list(cal);
    expect(refs).toHaveLength(Object.keys(EVENTS).length);
    expect(refs.every((r) => r.version.length > 0)).toBe(true);
    const items = await source.fetch(cal, refs);
    const byUid = new Map(items.map((f) => [(f.item as PimEvent).uid ?? f.item.kind, f.item]));
    const standup = byUid.get('standup-1') as PimEvent;
    // ical.js writes the rule canonically (WKST=MO is RFC 5545's default and left out).
    expect(standup.rrule).toBe('FREQ=WEEKLY;COUNT=10;BYDAY=MO,WE');
    expect(standup.start).toEqual({ dateTime: '2025-03-03T09:00:00', timeZone: 'Europe/Berlin' });
    expect(standup.exdates).toEqual(['2025-03-05T09:00:00']);
    expect(standup.exceptions).toMatchObject([
      { originalStart: '2025-03-10T09:00:00', subject: 'Standup (moved)' },
    ]);
    const meeting = byUid.get('meeting-1') as PimEvent;
    expect(meeting.organizer).toEqual({ name: 'Bob Boss', address: 'bob@example.test' });
    expect(meeting.attendees).toEqual([
      { name: 'Carol', address: 'carol@example.test', role: 'required', response: 'accepted' },
      { name: 'Dan', address: 'dan@example.test', role: 'optional', response: 'needsAction' },
    ]);
    expect(meeting).toMatchObject({
      reminderMinutes: 15,
      sensitivity: 'private',
      importance: 'high',
      categories: ['Work', 'Finance'],
    });
    const holiday = byUid.get('holiday-1') as PimEvent;
    expect(holiday).toMatchObject({
      isAllDay: true,
      showAs: 'free',
      start: { dateTime: '2025-04-01T00:00:00' },
      end: { dateTime: '2025-04-02T00:00:00' },
    });
    const mars = items.find((f) => f.item.kind === 'unsupported');
    expect(mars?.item).toMatchObject({ code: 'PIM_UNKNOWN_TIME_ZONE', label: 'Rover sync' });
  });

  it('reads contacts with every field and lists a group as unsupported with its reason', async () => {
    const book = (await source.collections()).find((c) => c.displayName === 'Contacts')!;
    const items = await source.fetch(book, await source.list(book));
    expect(items).toHaveLength(Object.keys(CONTACTS).length);
    const ada = items.find((f) => f.item.kind === 'contact' && f.item.uid === 'ada-1')!.item as PimContact;
    expect(ada).toMatchObject({
      displayName: 'Ada Lovelace',
      givenName: 'Ada',
      middleName: 'Augusta',
      surname: 'Lovelace',
      title: 'Countess',
      companyName: 'Analytical Engines Ltd',
      department: 'Research',
      jobTitle: 'Chief Programmer',
      mobilePhone: '+44 7700 2222',
      businessPhones: ['+44 20 1111'],
      homePhones: ['+44 20 3333'],
      birthday: '1815-12-10',
      businessAddress: {
        street: '12 Engine St',
        city: 'London',
        postalCode: 'EC1',
        countryOrRegion: 'United Kingdom',
      },
      categories: ['Science', 'VIP'],
    });
    expect(ada.emails).toHaveLength(5);
    expect(ada.photo?.contentType).toBe('image/jpeg');
    const team = items.find((f) => f.item.kind === 'unsupported')!.item;
    expect(team).toMatchObject({ code: 'PIM_DISTRIBUTION_LIST', label: 'Project team' });
  });

  it('a server that does not answer is a coded error naming the URL and the fix', async () => {
    const dead = await openDavSource(
      { url: 'http://127.0.0.1:9/', security: 'none', login: '{email}', defaultTimeZone: 'UTC' },
      { email: 'x@example.test', password: 'x' },
    );
    await expect(dead.collections()).rejects.toMatchObject({ code: 'PIM_SOURCE_UNREACHABLE' });
  });
});
