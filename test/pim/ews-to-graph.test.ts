import { copyPimChunk, type PimChunkResult } from '../../shared/pim/copy';
import { EwsSettingsSchema, openEwsSource } from '../../shared/pim/ews';
import { GraphPimWriter } from '../../shared/pim/graph/writer';
import { PimState } from '../../shared/pim/state';
import { startEwsStandin, type EwsStandin } from '../../testing/ews-standin';
import {
  ADMIN,
  ALICE,
  ALICE_ACCOUNT,
  PAGED_CONTACTS,
  aliceMailbox,
} from '../../testing/ews-standin/scenario';
import { useAzurite } from '../../testing/jest/azurite';
import { clientFor, useStandin } from '../../testing/jest/graph';

/**
 * Exchange 2007 (the EWS stand-in, answering as Microsoft's published 2007 SP1 examples) into
 * Microsoft 365 (the Graph stand-in) through the same copy as CalDAV: calendars and contact
 * folders by name, a weekly series with its edited occurrence, the group and the broken item
 * listed, no invitation, and a rerun that creates nothing.
 */
const USER_ID = 'e0e0e0e0-0000-4000-8000-00000000000c';
const KEY = `batchEws:${ALICE}`;

describe('EWS source into the Graph stand-in', () => {
  const storage = useAzurite();
  const graph = useStandin({ users: [{ userPrincipalName: ALICE, id: USER_ID }] });
  let ews: EwsStandin;
  beforeAll(async () => {
    ews = await startEwsStandin({ accounts: [ADMIN, ALICE_ACCOUNT], mailboxes: [aliceMailbox()] });
  });
  afterAll(async () => {
    await ews?.close();
  });

  async function pass(id: string): Promise<{ events: number; contacts: number; skipped: number }> {
    const totals = { events: 0, contacts: 0, skipped: 0 };
    let cursor: PimChunkResult['cursor'] | undefined;
    for (let i = 0; i < 100; i++) {
      const r = await copyPimChunk(
        {
          mailboxKey: KEY,
          storage: { connectionString: storage().connectionString },
          mirrorDeletions: false,
          openSource: () =>
            openEwsSource(
              EwsSettingsSchema.parse({
                url: ews.url,
                auth: 'ntlm',
                impersonation: true,
                admin: { user: ADMIN.user, domain: ADMIN.domain },
              }),
              { email: ALICE, password: ADMIN.password },
            ),
          openWriter: async () => new GraphPimWriter(clientFor(graph()), USER_ID, KEY),
        },
        cursor,
        id,
      );
      totals.events += r.events;
      totals.contacts += r.contacts;
      totals.skipped += r.skipped;
      if (r.done) return totals;
      cursor = r.cursor;
    }
    throw new Error('pass does not end');
  }

  it('carries calendars and contacts, lists what Graph cannot hold, sends nothing, and a rerun adds nothing', async () => {
    const first = await pass('e1');
    const pim = graph().state.mailboxes.get(USER_ID)!.pim;
    expect(first.contacts).toBe(1 + PAGED_CONTACTS);
    const subjects = [...pim.events.values()].map((e) => e.fields.subject).sort();
    // The unknown-zone standup is resolved by the source or listed; every other event arrives once.
    expect(subjects).toEqual(
      expect.arrayContaining(['Ascension Day', 'Budget review', 'Team breakfast', 'Weekly sync']),
    );
    expect(new Set(subjects).size).toBe(subjects.length);
    expect(pim.contacts.size).toBe(first.contacts);
    expect(pim.events.size).toBe(first.events);
    const calendars = [...pim.calendars.values()].map((c) => c.name).sort();
    expect(calendars).toContain('Team');
    const folders = [...pim.contactFolders.values()].map((f) => f.displayName);
    expect(folders).toContain('Suppliers');
    expect(
      [...pim.events.values()].every(
        (e) => Array.isArray(e.fields.attendees) && (e.fields.attendees as unknown[]).length === 0,
      ),
    ).toBe(true);
    // The weekly series' edited occurrence is an exception of the series, not an event of its own.
    const weekly = [...pim.events.values()].find((e) => e.fields.subject === 'Weekly sync')!;
    expect(weekly.fields.recurrence).toBeTruthy();
    expect([...weekly.exceptions.values()].map((x) => x.fields.subject)).toContain('Weekly sync (moved)');
    const skipped = await new PimState({ connectionString: storage().connectionString }, KEY).listSkipped();
    expect(skipped.find((s) => s.label === 'Project Falcon team')?.code).toMatch(/DISTRIBUTION_LIST/);
    expect(await (await fetch(graph().sentMailUrl)).json()).toEqual([]);

    const again = await pass('e2');
    expect(again).toEqual({ events: 0, contacts: 0, skipped: 0 });
    expect(pim.contacts.size).toBe(first.contacts);
    expect(pim.events.size).toBe(first.events);
  }, 180000);
});
