/**
 * `npm run bench -- pim [--events 2000] [--contacts 2000] [--seed 1]`
 *
 * Contacts and calendars into the LOCAL Graph stand-in at Exchange Online's per-mailbox limits
 * (4 concurrent, 10,000 requests / 10 min), through the same page-by-page copy the copyPimChunk
 * activity runs (item index in an in-memory Azurite). The source is generated in memory as
 * neutral items (the DAV parsing is measured by the tests, not here): `--events` events, a fifth of
 * them weekly series with an edited and a cancelled occurrence, and `--contacts` contacts, one in
 * ten with a photo.
 *
 * Prints items/s, HTTP requests per item (a `$batch` counts once), Graph operations per item
 * (each `$batch` sub-request counts, as Exchange counts them against the budget), and the share
 * of the per-mailbox request budget (10,000 / 10 min) the run used.
 */
import { createTokenProvider } from '../shared/auth';
import { EXCHANGE_ONLINE_GRAPH_LIMITS, GraphClient } from '../shared/graph';
import { copyPimChunk, type PimChunkResult } from '../shared/pim/copy';
import { GraphPimWriter } from '../shared/pim/graph/writer';
import type { PimCollection, PimContact, PimEvent, PimFetched, PimSource } from '../shared/pim/model';
import { startAzurite } from '../local/azurite';
import { prng } from '../testing/mail/corpus';
import { startGraphStandin, EXCHANGE_ONLINE_LIMITS } from '../testing/graph-standin';

const CLIENT_ID = '22222222-2222-2222-2222-222222222222';
const SECRET = 'bench-secret-value';
const USER = 'c0c0c0c0-0000-4000-8000-00000000000e';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const pad = (n: number) => String(n).padStart(2, '0');
const CAL: PimCollection = {
  id: '/bench/calendar/',
  kind: 'calendar',
  displayName: 'Calendar',
  isDefault: true,
};
const BOOK: PimCollection = {
  id: '/bench/contacts/',
  kind: 'contacts',
  displayName: 'Contacts',
  isDefault: true,
};

function makeEvent(i: number, seed: number): PimEvent {
  const rand = prng(seed * 7919 + i);
  const day = new Date(Date.UTC(2025, 0, 6) + Math.floor(rand() * 365) * 86_400_000);
  const hour = 8 + Math.floor(rand() * 9);
  const date = day.toISOString().slice(0, 10);
  const start = `${date}T${pad(hour)}:00:00`;
  const end = `${date}T${pad(hour)}:30:00`;
  const recurring = i % 5 === 0;
  const code = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'][day.getUTCDay()]!;
  const week = (n: number) => new Date(day.getTime() + n * 7 * 86_400_000).toISOString().slice(0, 10);
  return {
    kind: 'event',
    uid: `bench-${i}`,
    subject: `${recurring ? 'Weekly sync' : 'Meeting'} ${i}`,
    body: { contentType: 'text', content: `Agenda for item ${i}.\n`.repeat(5) },
    location: `Room ${1 + (i % 12)}`,
    start: { dateTime: start, timeZone: 'Europe/Berlin' },
    end: { dateTime: end, timeZone: 'Europe/Berlin' },
    isAllDay: false,
    reminderMinutes: 15,
    categories: i % 3 === 0 ? ['Work'] : undefined,
    organizer: { name: 'Org', address: 'org@example.test' },
    attendees: [{ name: 'Att', address: `att${i}@example.test`, role: 'required', response: 'accepted' }],
    ...(recurring
      ? {
          rrule: `FREQ=WEEKLY;BYDAY=${code};COUNT=20`,
          exdates: [`${week(3)}T${pad(hour)}:00:00`],
        }
      : {}),
    exceptions: recurring
      ? [
          {
            originalStart: `${week(2)}T${pad(hour)}:00:00`,
            subject: `Weekly sync ${i} (moved)`,
            start: { dateTime: `${week(2)}T${pad(hour + 1)}:00:00`, timeZone: 'Europe/Berlin' },
            end: { dateTime: `${week(2)}T${pad(hour + 1)}:30:00`, timeZone: 'Europe/Berlin' },
            isAllDay: false,
          },
        ]
      : [],
    attachments: [],
  };
}

function makeContact(i: number): PimContact {
  return {
    kind: 'contact',
    uid: `c-${i}`,
    displayName: `Person ${i}`,
    givenName: 'Person',
    surname: String(i),
    companyName: `Company ${i % 50}`,
    jobTitle: 'Engineer',
    emails: [{ address: `p${i}@example.test` }, { address: `p${i}@home.test` }],
    businessPhones: [`+1 555 ${String(i).padStart(4, '0')}`],
    homePhones: [],
    mobilePhone: `+1 666 ${String(i).padStart(4, '0')}`,
    businessAddress: {
      street: `${i} Main St`,
      city: 'Springfield',
      postalCode: '12345',
      countryOrRegion: 'US',
    },
    ...(i % 10 === 0
      ? {
          photo: {
            contentType: 'image/jpeg',
            contentBase64: Buffer.alloc(20_000, i % 256).toString('base64'),
          },
        }
      : {}),
  };
}

function memorySource(events: number, contacts: number, seed: number): PimSource {
  const items = new Map<string, PimFetched['item']>();
  for (let i = 0; i < events; i++) items.set(`${CAL.id}${i}.ics`, makeEvent(i, seed));
  for (let i = 0; i < contacts; i++) items.set(`${BOOK.id}${i}.vcf`, makeContact(i));
  return {
    collections: async () => [CAL, BOOK],
    list: async (c) =>
      [...items.keys()].filter((k) => k.startsWith(c.id)).map((id) => ({ id, version: '1' })),
    fetch: async (_c, refs) => refs.map((ref) => ({ ref, item: items.get(ref.id)! })),
    close: async () => undefined,
  };
}

export async function run(args: string[]): Promise<void> {
  const events = arg(args, 'events', 2000);
  const contacts = arg(args, 'contacts', 2000);
  const seed = arg(args, 'seed', 1);
  const azurite = await startAzurite();
  const standin = await startGraphStandin({
    apps: [{ clientId: CLIENT_ID, secret: SECRET }],
    users: [{ userPrincipalName: 'bench@contoso.com', id: USER }],
    limits: EXCHANGE_ONLINE_LIMITS,
  });
  console.log(
    'Contacts and calendars benchmark against the LOCAL STAND-IN (not Microsoft Graph), at Exchange Online limits.',
  );
  console.log(
    `${events} events (${Math.ceil(events / 5)} weekly series, each with an edited and a cancelled occurrence), ${contacts} contacts (${Math.ceil(contacts / 10)} with a photo).`,
  );
  try {
    const tokens = createTokenProvider({
      tenantId: standin.tenantId,
      clientId: CLIENT_ID,
      credential: { kind: 'secret', secret: SECRET },
      authorityHost: standin.authorityHost,
    });
    const client = new GraphClient({ baseUrl: standin.url, tokens, limits: EXCHANGE_ONLINE_GRAPH_LIMITS });
    const source = memorySource(events, contacts, seed);
    const key = 'bench:bench@contoso.com';
    const started = Date.now();
    let cursor: PimChunkResult['cursor'] | undefined;
    let calls = 0;
    const totals = { events: 0, contacts: 0, skipped: 0 };
    for (;;) {
      const r = await copyPimChunk(
        {
          mailboxKey: key,
          storage: { connectionString: azurite.connectionString },
          mirrorDeletions: false,
          openSource: async () => source,
          openWriter: async () => new GraphPimWriter(client, USER, key),
        },
        cursor,
        'bench',
      );
      calls++;
      totals.events += r.events;
      totals.contacts += r.contacts;
      totals.skipped += r.skipped;
      if (r.done) break;
      cursor = r.cursor;
    }
    const elapsed = Date.now() - started;
    const items = totals.events + totals.contacts;
    const { httpRequests, operations, throttled } = client.stats;
    const windowShare =
      operations /
      (EXCHANGE_ONLINE_GRAPH_LIMITS.requestsPerWindow *
        Math.max(elapsed / EXCHANGE_ONLINE_GRAPH_LIMITS.requestWindowMs, 1));
    const pim = standin.state.mailboxes.get(USER)!.pim;
    const sent = (await (await fetch(standin.sentMailUrl)).json()) as unknown[];
    console.log(
      `Migrated: ${totals.events} events, ${totals.contacts} contacts, ${totals.skipped} skipped; stand-in holds ${pim.events.size} events and ${pim.contacts.size} contacts; invitations sent: ${sent.length}.`,
    );
    console.log(
      `Activity calls (pages): ${calls}. Elapsed: ${(elapsed / 1000).toFixed(1)} s. Items/s: ${(items / (elapsed / 1000)).toFixed(1)}.`,
    );
    console.log(
      `HTTP requests per item: ${(httpRequests / items).toFixed(3)} (${httpRequests} requests; target <= 1.2). Graph operations per item: ${(operations / items).toFixed(3)} (${operations}; each $batch sub-request counts). Throttled (429): ${throttled}.`,
    );
    console.log(
      `Per-mailbox request budget (10,000 operations / 10 min) used: ${(windowShare * 100).toFixed(1)}% (${operations} operations in ${(elapsed / 1000).toFixed(1)} s, counted against one full window when the run is shorter).`,
    );
  } finally {
    await standin.stop();
    await azurite.stop();
  }
}
