import { copyPimChunk, type PimChunkResult, type PimCopyContext } from '../../shared/pim/copy';
import { openDavSource } from '../../shared/pim/dav/source';
import { GraphPimWriter, PIM_KEY_PROPERTY } from '../../shared/pim/graph/writer';
import { PIM_LIMITS } from '../../shared/pim/limits';
import { PimState } from '../../shared/pim/state';
import { normalisePropertyId, type StandinContact, type StandinEvent } from '../../testing/graph-standin';
import { useAzurite } from '../../testing/jest/azurite';
import { clientFor, useStandin } from '../../testing/jest/graph';
import { startRadicale, type RunningRadicale } from '../../testing/radicale';
import { EVENTS, PHOTO, seedRadicale, USER, vcalendar, vevent, WORK_EVENTS } from './fixtures';

/**
 * A Radicale user's calendars and address books into the Graph stand-in through the PIM copy
 * (the same steps the copyPimChunk activity runs), state in Azurite: first run, rerun, incremental
 * after edits, mirrored deletions, a lost answer; and not one invitation mailed.
 */
const USER_ID = 'e0e0e0e0-0000-4000-8000-00000000000a';
const EMAIL = `${USER}@example.test`;
const MAILBOX_KEY = `batchP:${EMAIL}`;

describe('Radicale calendars and contacts into Microsoft 365 (stand-in)', () => {
  const storage = useAzurite();
  const standin = useStandin({ users: [{ userPrincipalName: EMAIL, id: USER_ID }] });
  let radicale: RunningRadicale;
  beforeAll(async () => {
    radicale = await startRadicale();
    await seedRadicale(radicale);
  }, 30000);
  afterAll(async () => {
    await radicale?.stop();
  });

  function ctx(mirrorDeletions = false): PimCopyContext {
    return {
      mailboxKey: MAILBOX_KEY,
      storage: { connectionString: storage().connectionString },
      mirrorDeletions,
      openSource: () =>
        openDavSource(
          { url: radicale.url, security: 'none', login: '{user}', defaultTimeZone: 'Europe/Berlin' },
          { email: EMAIL, password: 'x' },
        ),
      openWriter: async () => new GraphPimWriter(clientFor(standin()), USER_ID, MAILBOX_KEY),
    };
  }

  let passNo = 0;
  /** One pass as migrateMailbox drives it: pages until done. */
  async function pass(
    mirror = false,
  ): Promise<{ events: number; contacts: number; skipped: number; deleted: number; calls: number }> {
    const id = `pass-${++passNo}`;
    let cursor: PimChunkResult['cursor'] | undefined;
    const totals = { events: 0, contacts: 0, skipped: 0, deleted: 0, calls: 0 };
    for (;;) {
      const r = await copyPimChunk(ctx(mirror), cursor, id);
      totals.calls++;
      totals.events += r.events;
      totals.contacts += r.contacts;
      totals.skipped += r.skipped;
      totals.deleted += r.deleted;
      if (r.done) return totals;
      cursor = r.cursor;
      if (totals.calls > 200) throw new Error('pass does not end');
    }
  }

  const pim = () => standin().state.mailboxes.get(USER_ID)!.pim;
  const events = (): StandinEvent[] => [...pim().events.values()];
  const contacts = (): StandinContact[] => [...pim().contacts.values()];
  const bySubject = (s: string) => events().filter((e) => e.fields.subject === s);
  const calendarName = (e: StandinEvent) => pim().calendars.get(e.calendarId)?.name;
  const graph = () => clientFor(standin());

  async function invitations(): Promise<unknown[]> {
    const res = await fetch(standin().sentMailUrl);
    return (await res.json()) as unknown[];
  }

  afterEach(async () => {
    // Not one mail to anyone, after every step.
    expect(await invitations()).toEqual([]);
  });

  it('first run: every calendar and address book arrives, each rule holds', async () => {
    const first = await pass();
    // Ten single or series events carried (mars is skipped), three contacts + one in Friends.
    expect(first.events).toBe(Object.keys(EVENTS).length - 1 + Object.keys(WORK_EVENTS).length);
    expect(first.contacts).toBe(3);
    expect(first.skipped).toBe(2); // the unknown zone and the contact group

    // Calendars: the default one and one by name.
    const launch = bySubject('Launch')[0]!;
    expect(calendarName(launch)).toBe('Work Projects');
    const meeting = bySubject('Budget review')[0]!;
    expect(pim().calendars.get(meeting.calendarId)?.isDefaultCalendar).toBe(true);

    // No attendees; organizer and attendees readable at the top of the body.
    expect(meeting.fields.attendees).toEqual([]);
    const body = (meeting.fields.body as { content: string }).content;
    expect(body.indexOf('Organizer: Bob Boss <bob@example.test>')).toBeLessThan(
      body.indexOf('Bring the Q1 numbers.'),
    );
    expect(body).toContain('Required: Carol <carol@example.test> (accepted)');
    expect(body).toContain('Optional: Dan <dan@example.test> (not yet answered)');
    expect(meeting.fields).toMatchObject({
      start: { dateTime: '2025-03-10T10:00:00', timeZone: 'W. Europe Standard Time' },
      location: { displayName: 'Room 4' },
      sensitivity: 'private',
      importance: 'high',
      categories: ['Work', 'Finance'],
      isReminderOn: true,
      reminderMinutesBeforeStart: 15,
    });

    // All-day stays all-day on its date.
    expect(bySubject('Company holiday')[0]!.fields).toMatchObject({
      isAllDay: true,
      showAs: 'free',
      start: { dateTime: '2025-04-01T00:00:00' },
      end: { dateTime: '2025-04-02T00:00:00' },
    });

    // Weekly series in its zone, with the cancelled and the moved occurrence.
    const standup = bySubject('Standup')[0]!;
    expect(standup.fields.recurrence).toEqual({
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday'], firstDayOfWeek: 'monday' },
      range: {
        type: 'numbered',
        startDate: '2025-03-03',
        numberOfOccurrences: 10,
        recurrenceTimeZone: 'W. Europe Standard Time',
      },
    });
    const instances = await graph().all<{ subject: string; start: { dateTime: string; timeZone: string } }>(
      `/users/${USER_ID}/events/${standup.id}/instances?startDateTime=2025-03-01T00:00:00Z&endDateTime=2025-04-30T00:00:00Z`,
      { headers: { Prefer: 'outlook.timezone="UTC"' } },
    );
    const starts = instances.map((i) => `${i.start.dateTime.slice(0, 16)} ${i.subject}`);
    expect(starts).toHaveLength(9); // ten, less the cancelled one
    expect(starts.some((s) => s.startsWith('2025-03-05'))).toBe(false);
    expect(starts).toContain('2025-03-10T10:00 Standup (moved)'); // 11:00 Berlin = 10:00 UTC

    expect(bySubject('Board meeting')[0]!.fields.recurrence).toMatchObject({
      pattern: { type: 'relativeMonthly', daysOfWeek: ['tuesday'], index: 'second' },
      range: { type: 'endDate', endDate: '2025-12-31', recurrenceTimeZone: 'Eastern Standard Time' },
    });
    expect(bySubject('Anniversary')[0]!.fields).toMatchObject({
      isAllDay: true,
      recurrence: { pattern: { type: 'absoluteYearly', month: 6, dayOfMonth: 15 }, range: { type: 'noEnd' } },
    });

    // Rules Graph cannot say: single events, listed as expanded.
    expect(
      bySubject('Audit days')
        .map((e) => (e.fields.start as { dateTime: string }).dateTime)
        .sort(),
    ).toEqual([
      '2025-05-05T08:00:00',
      '2025-05-07T08:00:00',
      '2025-05-09T08:00:00',
      '2025-05-12T08:00:00',
      '2025-05-19T08:00:00',
    ]);
    expect(bySubject('Pump check')).toHaveLength(4);
    expect(bySubject('Meter reading')).toHaveLength(PIM_LIMITS.maxExpandedInstances);

    const state = new PimState({ connectionString: storage().connectionString }, MAILBOX_KEY);
    const skipped = await state.listSkipped();
    const codes = (code: string) =>
      skipped
        .filter((s) => s.code === code)
        .map((s) => s.label)
        .sort();
    expect(codes('PIM_SERIES_EXPANDED')).toEqual(['Audit days', 'Meter reading', 'Pump check']);
    expect(codes('PIM_SERIES_TOO_LONG')).toEqual(['Meter reading']);
    expect(codes('PIM_UNKNOWN_TIME_ZONE')).toEqual(['Rover sync']);
    expect(codes('PIM_DISTRIBUTION_LIST')).toEqual(['Project team']);
    expect(codes('PIM_CONTACT_FIELDS_MOVED')).toEqual(['Ada Lovelace']);
    expect(skipped.every((s) => s.reason.length > 10)).toBe(true);

    // Contacts: every field, three e-mails (the rest in the notes), the photo.
    const ada = contacts().find((c) => c.fields.displayName === 'Ada Lovelace')!;
    expect(ada.fields).toMatchObject({
      givenName: 'Ada',
      surname: 'Lovelace',
      middleName: 'Augusta',
      companyName: 'Analytical Engines Ltd',
      department: 'Research',
      jobTitle: 'Chief Programmer',
      mobilePhone: '+44 7700 2222',
      businessPhones: ['+44 20 1111'],
      homePhones: ['+44 20 3333'],
      categories: ['Science', 'VIP'],
      businessAddress: {
        street: '12 Engine St',
        city: 'London',
        postalCode: 'EC1',
        countryOrRegion: 'United Kingdom',
      },
    });
    expect((ada.fields.emailAddresses as unknown[]).length).toBe(3);
    expect(String(ada.fields.personalNotes)).toContain('ada@fourth.test, ada@fifth.test');
    expect(String(ada.fields.birthday).slice(0, 10)).toBe('1815-12-10');
    expect(ada.photo?.bytes.toString('base64')).toBe(PHOTO);
    const linus = contacts().find((c) => c.fields.displayName === 'Linus')!;
    expect(pim().contactFolders.get(linus.parentFolderId)?.displayName).toBe('Friends');
    expect(contacts().some((c) => c.fields.displayName === 'Project team')).toBe(false);

    // Every created item carries its key.
    const keyId = normalisePropertyId(PIM_KEY_PROPERTY);
    expect(events().every((e) => e.extended.get(keyId)?.value)).toBe(true);
    expect(contacts().every((c) => c.extended.get(keyId)?.value)).toBe(true);
  }, 120000);

  it('a rerun creates nothing and changes nothing', async () => {
    const before = {
      events: events().length,
      contacts: contacts().length,
      modified: events().map((e) => e.lastModifiedDateTime),
    };
    const again = await pass();
    expect(again).toMatchObject({ events: 0, contacts: 0, skipped: 0 });
    expect(events().length).toBe(before.events);
    expect(contacts().length).toBe(before.contacts);
    expect(events().map((e) => e.lastModifiedDateTime)).toEqual(before.modified);
  }, 60000);

  it('an incremental pass carries new and changed items; an edited event is updated in place; deletions wait for the mirror option', async () => {
    const meetingId = bySubject('Budget review')[0]!.id;
    const count = events().length;
    await radicale.put(
      `/${USER}/calendar/meeting.ics`,
      EVENTS['meeting.ics']!.replace('SUMMARY:Budget review', 'SUMMARY:Budget review (moved to Room 5)'),
    );
    await radicale.put(
      `/${USER}/calendar/new.ics`,
      vcalendar(...vevent('new-1', 'DTSTART:20251010T100000Z', 'DTEND:20251010T103000Z', 'SUMMARY:New one')),
    );
    await radicale.remove(`/${USER}/work/launch.ics`);
    const inc = await pass();
    expect(inc).toMatchObject({ events: 2, contacts: 0 });
    expect(pim().events.get(meetingId)?.fields.subject).toBe('Budget review (moved to Room 5)');
    expect(bySubject('Budget review (moved to Room 5)')).toHaveLength(1);
    expect(bySubject('New one')).toHaveLength(1);
    expect(bySubject('Launch')).toHaveLength(1); // not mirrored
    expect(events().length).toBe(count + 1);

    const mirrored = await pass(true);
    expect(mirrored.deleted).toBe(1);
    expect(bySubject('Launch')).toHaveLength(0);
  }, 60000);

  it('a page whose answers were lost is run again without a second item', async () => {
    // A new contact and a new event are written; then the index is set back to "pending", as if
    // the activity had died after Graph created them and before the index recorded it.
    await radicale.put(
      `/${USER}/contacts/new.vcf`,
      ['BEGIN:VCARD', 'VERSION:3.0', 'UID:n-1', 'FN:Nora New', 'N:New;Nora;;;', 'END:VCARD', ''].join('\r\n'),
    );
    await radicale.put(
      `/${USER}/calendar/lost.ics`,
      vcalendar(
        ...vevent('lost-1', 'DTSTART:20251111T100000Z', 'DTEND:20251111T103000Z', 'SUMMARY:Lost answer'),
      ),
    );
    await pass();
    const state = new PimState({ connectionString: storage().connectionString }, MAILBOX_KEY);
    const collections = await openDavSource(
      { url: radicale.url, security: 'none', login: '{user}', defaultTimeZone: 'UTC' },
      { email: EMAIL },
    ).then((s) => s.collections());
    for (const c of collections) {
      const rows = await state.listItems(c.id);
      const lost = [...rows.values()].filter(
        (r) => r.sid.endsWith('/new.vcf') || r.sid.endsWith('/lost.ics'),
      );
      await state.putItems(
        c.id,
        lost.map((r) => ({ ...r, s: 'p', v: '', t: [] })),
      );
    }
    const replay = await pass();
    expect(replay.events + replay.contacts).toBe(2);
    expect(contacts().filter((c) => c.fields.displayName === 'Nora New')).toHaveLength(1);
    expect(bySubject('Lost answer')).toHaveLength(1);
  }, 60000);
});
