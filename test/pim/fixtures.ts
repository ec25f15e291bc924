import type { RunningRadicale } from '../../testing/radicale';

/**
 * A Radicale user's calendars and address books that exercise every mapping rule: a meeting with
 * organizer and attendees, an all-day event, weekly/monthly/yearly series with an edited and a
 * cancelled occurrence, rules Graph cannot express (RDATE, HOURLY, BYHOUR with ten thousand
 * occurrences), a zone Graph does not know, a full contact (five e-mails, photo), a contact group.
 */
export const USER = 'alice';

/** The VTIMEZONE definitions a client sends with zoned times (Radicale refuses a TZID without one). */
const VTIMEZONES: Record<string, string[]> = {
  'Europe/Berlin': [
    'BEGIN:VTIMEZONE',
    'TZID:Europe/Berlin',
    'BEGIN:DAYLIGHT',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'TZNAME:CEST',
    'DTSTART:19700329T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
    'END:DAYLIGHT',
    'BEGIN:STANDARD',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0100',
    'TZNAME:CET',
    'DTSTART:19701025T030000',
    'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
    'END:STANDARD',
    'END:VTIMEZONE',
  ],
  'America/New_York': [
    'BEGIN:VTIMEZONE',
    'TZID:America/New_York',
    'BEGIN:DAYLIGHT',
    'TZOFFSETFROM:-0500',
    'TZOFFSETTO:-0400',
    'TZNAME:EDT',
    'DTSTART:19700308T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU',
    'END:DAYLIGHT',
    'BEGIN:STANDARD',
    'TZOFFSETFROM:-0400',
    'TZOFFSETTO:-0500',
    'TZNAME:EST',
    'DTSTART:19701101T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU',
    'END:STANDARD',
    'END:VTIMEZONE',
  ],
};

export function vcalendar(...lines: string[]): string {
  const zones = Object.keys(VTIMEZONES).filter((z) => lines.some((l) => l.includes(`TZID=${z}`)));
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//mailferry//test//EN',
    ...zones.flatMap((z) => VTIMEZONES[z]!),
    ...lines,
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

export function vevent(uid: string, ...lines: string[]): string[] {
  return ['BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20250101T000000Z', ...lines, 'END:VEVENT'];
}

/** A tiny valid JPEG header is not needed: Graph stores the bytes as given. */
export const PHOTO = Buffer.from('mailferry-test-photo-bytes').toString('base64');

export const EVENTS: Record<string, string> = {
  'meeting.ics': vcalendar(
    ...vevent(
      'meeting-1',
      'DTSTART;TZID=Europe/Berlin:20250310T100000',
      'DTEND;TZID=Europe/Berlin:20250310T110000',
      'SUMMARY:Budget review',
      'LOCATION:Room 4',
      'DESCRIPTION:Bring the Q1 numbers.',
      'CLASS:PRIVATE',
      'PRIORITY:1',
      'CATEGORIES:Work,Finance',
      'ORGANIZER;CN=Bob Boss:mailto:bob@example.test',
      'ATTENDEE;CN=Carol;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:carol@example.test',
      'ATTENDEE;CN=Dan;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION:mailto:dan@example.test',
      'BEGIN:VALARM',
      'ACTION:DISPLAY',
      'DESCRIPTION:Reminder',
      'TRIGGER:-PT15M',
      'END:VALARM',
    ),
  ),
  'holiday.ics': vcalendar(
    ...vevent(
      'holiday-1',
      'DTSTART;VALUE=DATE:20250401',
      'DTEND;VALUE=DATE:20250402',
      'SUMMARY:Company holiday',
      'TRANSP:TRANSPARENT',
    ),
  ),
  'standup.ics': vcalendar(
    ...vevent(
      'standup-1',
      'DTSTART;TZID=Europe/Berlin:20250303T090000',
      'DTEND;TZID=Europe/Berlin:20250303T091500',
      'SUMMARY:Standup',
      'RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10;WKST=MO',
      'EXDATE;TZID=Europe/Berlin:20250305T090000',
    ),
    ...vevent(
      'standup-1',
      'RECURRENCE-ID;TZID=Europe/Berlin:20250310T090000',
      'DTSTART;TZID=Europe/Berlin:20250310T110000',
      'DTEND;TZID=Europe/Berlin:20250310T111500',
      'SUMMARY:Standup (moved)',
    ),
  ),
  'board.ics': vcalendar(
    ...vevent(
      'board-1',
      'DTSTART;TZID=America/New_York:20250114T150000',
      'DTEND;TZID=America/New_York:20250114T160000',
      'SUMMARY:Board meeting',
      'RRULE:FREQ=MONTHLY;BYDAY=2TU;UNTIL=20251231T235959Z',
    ),
  ),
  'anniversary.ics': vcalendar(
    ...vevent(
      'anniversary-1',
      'DTSTART;VALUE=DATE:20250615',
      'DTEND;VALUE=DATE:20250616',
      'SUMMARY:Anniversary',
      'RRULE:FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=15',
    ),
  ),
  'extra-dates.ics': vcalendar(
    ...vevent(
      'rdate-1',
      'DTSTART:20250505T080000Z',
      'DTEND:20250505T090000Z',
      'SUMMARY:Audit days',
      'RRULE:FREQ=WEEKLY;COUNT=3',
      'RDATE:20250507T080000Z,20250509T080000Z',
    ),
  ),
  'hourly.ics': vcalendar(
    ...vevent(
      'hourly-1',
      'DTSTART:20250601T080000Z',
      'DTEND:20250601T081000Z',
      'SUMMARY:Pump check',
      'RRULE:FREQ=HOURLY;INTERVAL=2;COUNT=4',
    ),
  ),
  'huge.ics': vcalendar(
    ...vevent(
      'huge-1',
      'DTSTART:20250101T090000Z',
      'DTEND:20250101T091000Z',
      'SUMMARY:Meter reading',
      'RRULE:FREQ=DAILY;BYHOUR=9,17;COUNT=10000',
    ),
  ),
  'mars.ics': vcalendar(
    'BEGIN:VTIMEZONE',
    'TZID:Mars/Olympus_Mons',
    'BEGIN:STANDARD',
    'DTSTART:19700101T000000',
    'TZOFFSETFROM:+0300',
    'TZOFFSETTO:+0300',
    'END:STANDARD',
    'END:VTIMEZONE',
    ...vevent(
      'mars-1',
      'DTSTART;TZID=Mars/Olympus_Mons:20250701T100000',
      'DTEND;TZID=Mars/Olympus_Mons:20250701T110000',
      'SUMMARY:Rover sync',
    ),
  ),
};

export const WORK_EVENTS: Record<string, string> = {
  'launch.ics': vcalendar(
    ...vevent('launch-1', 'DTSTART:20250902T120000Z', 'DTEND:20250902T130000Z', 'SUMMARY:Launch'),
  ),
};

export const CONTACTS: Record<string, string> = {
  'ada.vcf': [
    'BEGIN:VCARD',
    'VERSION:3.0',
    'UID:ada-1',
    'FN:Ada Lovelace',
    'N:Lovelace;Ada;Augusta;Countess;',
    'NICKNAME:Ada',
    'ORG:Analytical Engines Ltd;Research',
    'TITLE:Chief Programmer',
    'EMAIL;TYPE=INTERNET,WORK:ada@engines.test',
    'EMAIL;TYPE=INTERNET,HOME:ada@home.test',
    'EMAIL;TYPE=INTERNET:ada@third.test',
    'EMAIL;TYPE=INTERNET:ada@fourth.test',
    'EMAIL;TYPE=INTERNET:ada@fifth.test',
    'TEL;TYPE=WORK,VOICE:+44 20 1111',
    'TEL;TYPE=CELL:+44 7700 2222',
    'TEL;TYPE=HOME:+44 20 3333',
    'ADR;TYPE=WORK:;;12 Engine St;London;;EC1;United Kingdom',
    'ADR;TYPE=HOME:;;1 Home Rd;Marylebone;;NW1;United Kingdom',
    'BDAY:1815-12-10',
    'NOTE:Met at the Royal Society.',
    'CATEGORIES:Science,VIP',
    `PHOTO;ENCODING=b;TYPE=JPEG:${PHOTO}`,
    'END:VCARD',
    '',
  ].join('\r\n'),
  'grace.vcf': [
    'BEGIN:VCARD',
    'VERSION:4.0',
    'UID:grace-1',
    'FN:Grace Hopper',
    'N:Hopper;Grace;;;',
    'EMAIL:grace@navy.test',
    'END:VCARD',
    '',
  ].join('\r\n'),
  'team.vcf': [
    'BEGIN:VCARD',
    'VERSION:4.0',
    'UID:team-1',
    'KIND:group',
    'FN:Project team',
    'MEMBER:urn:uuid:ada-1',
    'MEMBER:urn:uuid:grace-1',
    'END:VCARD',
    '',
  ].join('\r\n'),
};

export const FRIENDS: Record<string, string> = {
  'linus.vcf': [
    'BEGIN:VCARD',
    'VERSION:3.0',
    'UID:linus-1',
    'FN:Linus',
    'N:;Linus;;;',
    'TEL;TYPE=HOME:+358 1',
    'END:VCARD',
    '',
  ].join('\r\n'),
};

export async function seedRadicale(r: RunningRadicale): Promise<void> {
  const cal = await r.makeCollection(USER, 'calendar', 'calendar', 'Personal');
  for (const [name, body] of Object.entries(EVENTS)) await r.put(`${cal}${name}`, body);
  const work = await r.makeCollection(USER, 'work', 'calendar', 'Work Projects');
  for (const [name, body] of Object.entries(WORK_EVENTS)) await r.put(`${work}${name}`, body);
  const book = await r.makeCollection(USER, 'contacts', 'contacts', 'Contacts');
  for (const [name, body] of Object.entries(CONTACTS)) await r.put(`${book}${name}`, body);
  const friends = await r.makeCollection(USER, 'friends', 'contacts', 'Friends');
  for (const [name, body] of Object.entries(FRIENDS)) await r.put(`${friends}${name}`, body);
}
