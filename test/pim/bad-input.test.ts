import { createServer, type Server } from 'node:http';
import { copyPimChunk, type PimChunkResult } from '../../shared/pim/copy';
import { parseCalendarObject } from '../../shared/pim/dav/ical';
import { openDavSource } from '../../shared/pim/dav/source';
import { parseVCard } from '../../shared/pim/dav/vcard';
import { GraphPimWriter } from '../../shared/pim/graph/writer';
import type { PimCollection, PimFetched, PimSource } from '../../shared/pim/model';
import { PimState } from '../../shared/pim/state';
import { useAzurite } from '../../testing/jest/azurite';
import { clientFor, useStandin } from '../../testing/jest/graph';
import { vcalendar, vevent } from './fixtures';

/**
 * Bad input never stops a mailbox: a broken iCalendar or vCard, a broken repeat rule and a 40 MB
 * attachment are each listed with the reason while the rest arrives; a server that refuses the
 * login is a coded error that says what to fix.
 */
const USER_ID = 'e0e0e0e0-0000-4000-8000-00000000000b';
const EMAIL = 'bob@example.test';
const KEY = `batchBad:${EMAIL}`;

const CAL: PimCollection = { id: '/bob/cal/', kind: 'calendar', displayName: 'Calendar', isDefault: true };
const BOOK: PimCollection = { id: '/bob/book/', kind: 'contacts', displayName: 'Contacts', isDefault: true };

/** 40 MB of attachment bytes, base64 in the iCalendar like clients write it. */
const BIG = Buffer.alloc(40 * 1024 * 1024, 7).toString('base64');

const RAW: Record<string, Record<string, string>> = {
  [CAL.id]: {
    'ok.ics': vcalendar(
      ...vevent('ok-1', 'DTSTART:20250301T100000Z', 'DTEND:20250301T110000Z', 'SUMMARY:Fine'),
    ),
    'broken.ics':
      'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART:2025-99\r\nTHIS IS NOT ICALENDAR\r\n',
    'badrule.ics': vcalendar(
      ...vevent(
        'badrule-1',
        'DTSTART:20250301T100000Z',
        'DTEND:20250301T110000Z',
        'SUMMARY:Odd rule',
        'RRULE:FREQ=DAILY;BYDAY=1MO',
      ),
    ),
    'big.ics': vcalendar(
      ...vevent(
        'big-1',
        'DTSTART:20250302T100000Z',
        'DTEND:20250302T110000Z',
        'SUMMARY:With the big deck',
        `ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=application/pdf;X-FILENAME=deck.pdf:${BIG}`,
        'ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=text/plain;X-FILENAME=notes.txt:aGVsbG8=',
      ),
    ),
  },
  [BOOK.id]: {
    'ok.vcf': 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c-1\r\nFN:Fine Person\r\nN:Person;Fine;;;\r\nEND:VCARD\r\n',
    'broken.vcf': 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Half\r\n',
  },
};

/** A source over fixed texts: what a server would hand over when it stores whatever clients PUT. */
function memorySource(): PimSource {
  return {
    collections: async () => [CAL, BOOK],
    list: async (c) => Object.keys(RAW[c.id]!).map((name) => ({ id: `${c.id}${name}`, version: '1' })),
    fetch: async (c, refs) =>
      refs.map((ref): PimFetched => {
        const text = RAW[c.id]![ref.id.slice(c.id.length)]!;
        return {
          ref,
          item: c.kind === 'calendar' ? parseCalendarObject(text, ref.id) : parseVCard(text, ref.id),
        };
      }),
    close: async () => undefined,
  };
}

describe('bad input is listed, the rest migrates', () => {
  const storage = useAzurite();
  const standin = useStandin({ users: [{ userPrincipalName: EMAIL, id: USER_ID }] });

  it('migrates the good items and lists each bad one with its reason', async () => {
    let cursor: PimChunkResult['cursor'] | undefined;
    const totals = { events: 0, contacts: 0, skipped: 0 };
    for (let i = 0; i < 20; i++) {
      const r = await copyPimChunk(
        {
          mailboxKey: KEY,
          storage: { connectionString: storage().connectionString },
          mirrorDeletions: false,
          openSource: async () => memorySource(),
          openWriter: async () => new GraphPimWriter(clientFor(standin()), USER_ID, KEY),
        },
        cursor,
        'p1',
      );
      totals.events += r.events;
      totals.contacts += r.contacts;
      totals.skipped += r.skipped;
      if (r.done) break;
      cursor = r.cursor;
    }
    expect(totals).toEqual({ events: 2, contacts: 1, skipped: 3 });
    const pim = standin().state.mailboxes.get(USER_ID)!.pim;
    const subjects = [...pim.events.values()].map((e) => e.fields.subject).sort();
    expect(subjects).toEqual(['Fine', 'With the big deck']);
    expect([...pim.contacts.values()].map((c) => c.fields.displayName)).toEqual(['Fine Person']);

    const skipped = await new PimState({ connectionString: storage().connectionString }, KEY).listSkipped();
    const byCode = Object.fromEntries(
      skipped.map((s) => [s.code + (s.item.endsWith('.vcf') ? ':vcf' : ''), s]),
    );
    expect(byCode['PIM_MALFORMED']).toMatchObject({
      kind: 'event',
      whole: true,
      item: '/bob/cal/broken.ics',
    });
    expect(byCode['PIM_MALFORMED:vcf']).toMatchObject({
      kind: 'contact',
      whole: true,
      item: '/bob/book/broken.vcf',
    });
    expect(byCode['PIM_RECURRENCE_INVALID']).toMatchObject({ label: 'Odd rule', whole: true });
    expect(byCode['PIM_RECURRENCE_INVALID']!.reason).toMatch(/DAILY/);
    expect(byCode['PIM_ATTACHMENT_SKIPPED']).toMatchObject({ label: 'With the big deck', whole: false });
    expect(byCode['PIM_ATTACHMENT_SKIPPED']!.reason).toMatch(/deck\.pdf.*40\.0 MB/);
    // The small attachment of the same event made it.
    const big = [...pim.events.values()].find((e) => e.fields.subject === 'With the big deck')!;
    const attachments = await clientFor(standin()).all<{ name: string }>(
      `/users/${USER_ID}/events/${big.id}/attachments`,
    );
    expect(attachments.map((a) => a.name)).toEqual(['notes.txt']);
    expect(await (await fetch(standin().sentMailUrl)).json()).toEqual([]);
  }, 120000);
});

describe('a DAV server that refuses the login', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="dav"' });
      res.end('Unauthorized');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('is a coded error naming the login and what to check', async () => {
    const source = await openDavSource(
      { url, security: 'none', login: '{email}', defaultTimeZone: 'UTC' },
      { email: 'carol@example.test', password: 'wrong' },
    );
    const err = await source.collections().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PIM_SOURCE_LOGIN_FAILED' });
    expect((err as Error).message).toContain('carol@example.test');
    expect((err as Error).message).toContain('settings.dav.login');
  });
});
