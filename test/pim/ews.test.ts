import type {
  PimCollection,
  PimContact,
  PimEvent,
  PimFetched,
  PimSource,
  PimUnsupported,
} from '../../shared/pim/model';
import { EwsSettingsSchema, openEwsSource, type EwsSettings } from '../../shared/pim/ews';
import { ATTACHMENT_MAX_BYTES } from '../../shared/pim/ews/limits';
import { StandinMailbox, startEwsStandin, type EwsStandin } from '../../testing/ews-standin';
import { makeCertificatePem } from '../../testing/jest/graph';
import {
  ADMIN,
  ALICE,
  ALICE_ACCOUNT,
  EVE,
  PAGED_CONTACTS,
  aliceMailbox,
} from '../../testing/ews-standin/scenario';

let standin: EwsStandin;
let source: PimSource;

const settings = (extra: Partial<EwsSettings> = {}): EwsSettings =>
  EwsSettingsSchema.parse({
    url: standin.url,
    auth: 'ntlm',
    impersonation: true,
    admin: { user: ADMIN.user, domain: ADMIN.domain },
    ...extra,
  });

async function fetchAll(collection: PimCollection): Promise<PimFetched[]> {
  const refs = await source.list(collection);
  return source.fetch(collection, refs);
}

async function collection(name: string): Promise<PimCollection> {
  const found = (await source.collections()).find((c) => c.displayName === name);
  if (!found) throw new Error(`no collection ${name}`);
  return found;
}

function byLabel<T extends PimEvent | PimContact>(
  items: PimFetched[],
  pick: (i: T) => string,
  label: string,
): T {
  const found = items.map((f) => f.item).find((i) => i.kind !== 'unsupported' && pick(i as T) === label);
  if (!found) throw new Error(`no item ${label}`);
  return found as T;
}

beforeAll(async () => {
  standin = await startEwsStandin({ accounts: [ADMIN, ALICE_ACCOUNT, EVE], mailboxes: [aliceMailbox()] });
  source = await openEwsSource(settings(), { email: ALICE, password: ADMIN.password });
});
afterAll(async () => {
  await source?.close();
  await standin?.close();
});

describe('EWS source against the Exchange 2007 SP1 stand-in (NTLM, impersonation)', () => {
  it('finds the calendar and contact folders anywhere in the tree and flags the default ones', async () => {
    const collections = await source.collections();
    expect(
      collections
        .map(({ displayName, kind, isDefault }) => ({ displayName, kind, isDefault }))
        .sort((a, b) => a.displayName.localeCompare(b.displayName)),
    ).toEqual([
      { displayName: 'Calendar', kind: 'calendar', isDefault: true },
      { displayName: 'Contacts', kind: 'contacts', isDefault: true },
      { displayName: 'Suppliers', kind: 'contacts', isDefault: false },
      { displayName: 'Team', kind: 'calendar', isDefault: false },
    ]);
    const findFolder = standin.requests.find((r) => r.operation === 'FindFolder');
    expect(findFolder).toMatchObject({ account: ADMIN.user, mailbox: ALICE, impersonated: true });
    expect(standin.ntlmHandshakes).toBeGreaterThanOrEqual(1);
  });

  it('lists every item across IndexedPageItemView pages, with ChangeKeys as versions', async () => {
    const before = standin.requests.length;
    const refs = await source.list(await collection('Suppliers'));
    expect(refs).toHaveLength(PAGED_CONTACTS);
    expect(new Set(refs.map((r) => r.id)).size).toBe(PAGED_CONTACTS);
    expect(refs[0]).toEqual({ id: 'AAMkPaged0001', version: 'EQAAABYAAA0001' });
    const offsets = standin.requests
      .slice(before)
      .filter((r) => r.operation === 'FindItem')
      .map((r) => r.detail.offset);
    expect(offsets).toEqual([0, 250, 500]);
    // One reused NTLM-authenticated connection: no handshake per request.
    expect(standin.ntlmHandshakes).toBe(1);
  });

  it('turns a recurring master with a modified and a deleted occurrence into RRULE, exception and exdate (US Eastern)', async () => {
    const items = await fetchAll(await collection('Calendar'));
    const weekly = byLabel<PimEvent>(items, (e) => (e as PimEvent).subject, 'Weekly sync');
    expect(weekly.start).toEqual({ dateTime: '2024-03-04T09:00:00', timeZone: 'America/New_York' });
    expect(weekly.end).toEqual({ dateTime: '2024-03-04T10:00:00', timeZone: 'America/New_York' });
    // UNTIL: the last day at the series' start time (09:00 EDT on 29 April = 13:00Z), inclusive.
    expect(weekly.rrule).toBe('FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20240429T130000Z');
    expect(weekly.exdates).toEqual(['2024-03-13T09:00:00']);
    expect(weekly.exceptions).toHaveLength(1);
    expect(weekly.exceptions[0]).toMatchObject({
      originalStart: '2024-03-18T09:00:00',
      subject: 'Weekly sync (moved)',
      location: 'Room 7',
      start: { dateTime: '2024-03-18T11:00:00', timeZone: 'America/New_York' },
      end: { dateTime: '2024-03-18T12:00:00', timeZone: 'America/New_York' },
      body: { contentType: 'text', content: 'Moved because of the board meeting.' },
    });
    expect(weekly.exceptions[0]?.reminderMinutes).toBeUndefined();
    expect(weekly.uid).toBe(
      '040000008200E00074C5B7101A82E00800000000A0F1B2C3D4E5DA01000000000000000010000000',
    );
    // The occurrence was read with GetItem by its own id, not listed by FindItem.
    expect(items.map((f) => f.ref.id)).not.toContain('AAMkWeeklyOcc0318');
  });

  it('resolves a European MeetingTimeZone and maps every event field', async () => {
    const items = await fetchAll(await collection('Calendar'));
    const meeting = byLabel<PimEvent>(items, (e) => (e as PimEvent).subject, 'Budget review');
    expect(meeting).toMatchObject({
      kind: 'event',
      uid: '040000008200E00074C5B7101A82E0080000000010C5F3A7C2B5DA01000000000000000010000000',
      start: { dateTime: '2024-06-12T14:00:00', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2024-06-12T15:30:00', timeZone: 'Europe/Berlin' },
      isAllDay: false,
      body: { contentType: 'html', content: '<html><body><p>Numbers for <b>Q3</b></p></body></html>' },
      location: 'Room 1, Berlin office',
      showAs: 'tentative',
      sensitivity: 'private',
      importance: 'high',
      categories: ['Finance', 'Red category'],
      reminderMinutes: 30,
      organizer: { name: 'Alice Adams', address: 'alice@contoso.com' },
    });
    expect(meeting.rrule).toBeUndefined();
    expect(meeting.attendees).toEqual([
      { name: 'Bob Brown', address: 'bob@contoso.com', role: 'required', response: 'accepted' },
      { name: 'Carol White', address: 'carol@fabrikam.com', role: 'optional', response: 'needsAction' },
      { name: 'Room 1', address: 'room1@contoso.com', role: 'resource', response: 'declined' },
    ]);
    expect(meeting.attachments).toEqual([
      {
        name: 'agenda.txt',
        contentType: 'text/plain',
        size: 20,
        contentBase64: Buffer.from('1. Budget\n2. Hiring\n').toString('base64'),
      },
    ]);

    const team = await fetchAll(await collection('Team'));
    const monthly = team[0]?.item as PimEvent;
    expect(monthly.start).toEqual({ dateTime: '2024-01-09T08:30:00', timeZone: 'Europe/Berlin' });
    expect(monthly.rrule).toBe('FREQ=MONTHLY;BYDAY=2TU;COUNT=10');
    expect(monthly.uid).toBe('AAMkMonthlyMaster'); // no UID on the item: the ItemId stands in
    expect(monthly.showAs).toBe('free');
  });

  it('keeps an all-day event on its dates in its zone', async () => {
    const items = await fetchAll(await collection('Calendar'));
    const holiday = byLabel<PimEvent>(items, (e) => (e as PimEvent).subject, 'Ascension Day');
    expect(holiday).toMatchObject({
      isAllDay: true,
      start: { dateTime: '2024-05-09T00:00:00', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2024-05-10T00:00:00', timeZone: 'Europe/Berlin' },
      showAs: 'oof',
      importance: 'low',
    });
    expect(holiday.reminderMinutes).toBeUndefined();
  });

  it('lists a series in an unknown time zone as PIM_UNKNOWN_TIME_ZONE naming the item and the fix', async () => {
    const items = await fetchAll(await collection('Calendar'));
    const odd = items.find((f) => f.ref.id === 'AAMkOddZone')?.item as PimUnsupported;
    expect(odd.kind).toBe('unsupported');
    expect(odd.code).toBe('PIM_UNKNOWN_TIME_ZONE');
    expect(odd.label).toBe('Odd zone standup');
    expect(odd.message).toMatch(
      /"Custom lab zone" \(UTC\+01:00, daylight time from the first Sunday of April/,
    );
    expect(odd.message).toMatch(/Fix:/);
    // The rest of the calendar still came through.
    expect(items.filter((f) => f.item.kind === 'event')).toHaveLength(3);
  });

  it('maps contact fields, skips the distribution list and a damaged item, and keeps the rest', async () => {
    const items = await fetchAll(await collection('Contacts'));
    expect(items).toHaveLength(3);
    const dana = items.find((f) => f.item.kind === 'contact')?.item as PimContact;
    expect(dana).toEqual({
      kind: 'contact',
      uid: 'AAMkContactFull',
      displayName: 'Dana Q. Evans',
      givenName: 'Dana',
      middleName: 'Quinn',
      surname: 'Evans',
      title: 'Dr.',
      generation: 'Jr.',
      nickName: 'DQ',
      companyName: 'Fabrikam Ltd',
      department: 'Purchasing',
      jobTitle: 'Head of Purchasing',
      emails: [
        { address: 'dana@fabrikam.com' },
        { address: 'dana.evans@example.org' },
        { address: 'dq@example.net' },
      ],
      businessPhones: ['+49 40 1234-0', '+49 40 1234-1'],
      homePhones: ['+49 451 555', '+49 451 556'],
      mobilePhone: '+49 170 000000',
      businessAddress: {
        street: '1 Harbour Road',
        city: 'Hamburg',
        state: 'HH',
        postalCode: '20457',
        countryOrRegion: 'Germany',
      },
      homeAddress: {
        street: '5 Elm Street',
        city: 'Lübeck',
        postalCode: '23552',
        countryOrRegion: 'Germany',
      },
      otherAddress: { city: 'Kiel' },
      birthday: '1975-08-23',
      notes:
        'Met at the 2019 trade fair.\r\nPrefers e-mail & calls after 10:00.\n\nOther phone numbers:\nBusinessFax: +49 40 1234-99',
      categories: ['Suppliers'],
    });
    const skipped = items.map((f) => f.item).filter((i): i is PimUnsupported => i.kind === 'unsupported');
    expect(skipped.map((s) => [s.code, s.label])).toEqual(
      expect.arrayContaining([
        ['PIM_DISTRIBUTION_LIST', 'Project Falcon team'],
        ['PIM_MALFORMED', 'AAMkPagedX'],
      ]),
    );
    expect(skipped.find((s) => s.code === 'PIM_MALFORMED')?.message).toMatch(/ErrorCorruptData/);
  });
});

describe('EWS source: credentials and failures', () => {
  const open = (
    extra: Partial<EwsSettings>,
    login: { email: string; userName?: string; password?: string },
  ) => openEwsSource(settings(extra), login);

  it('logs in with per-user CSV credentials (Basic, no impersonation header)', async () => {
    const before = standin.requests.length;
    const user = await open(
      { auth: 'basic', impersonation: false, admin: undefined },
      { email: ALICE, userName: 'CONTOSO\\alice', password: ALICE_ACCOUNT.password },
    );
    try {
      const names = (await user.collections()).map((c) => c.displayName).sort();
      expect(names).toEqual(['Calendar', 'Contacts', 'Suppliers', 'Team']);
    } finally {
      await user.close();
    }
    expect(standin.requests.slice(before).every((r) => r.account === 'alice' && !r.impersonated)).toBe(true);
  });

  it.each(['ntlm', 'basic'] as const)(
    'codes a refused %s login as EWS_AUTH_FAILED with the fix',
    async (auth) => {
      const bad = await open({ auth }, { email: ALICE, password: 'wrong' });
      await expect(bad.collections()).rejects.toMatchObject({
        code: 'EWS_AUTH_FAILED',
        transient: false,
        message: expect.stringMatching(/HTTP 401.*password/),
      });
      await bad.close();
    },
  );

  it('speaks NTLM inside Negotiate to a server that offers only Negotiate', async () => {
    const negotiateOnly = await startEwsStandin({
      accounts: [ADMIN],
      mailboxes: [aliceMailbox()],
      auth: ['negotiate'],
    });
    const viaNegotiate = await openEwsSource(settings({ url: negotiateOnly.url }), {
      email: ALICE,
      password: ADMIN.password,
    });
    try {
      expect((await viaNegotiate.collections()).length).toBe(4);
      expect(negotiateOnly.ntlmHandshakes).toBe(1);
    } finally {
      await viaNegotiate.close();
      await negotiateOnly.close();
    }
  });

  it('codes a denied impersonation as EWS_IMPERSONATION_DENIED naming the Exchange 2007 rights', async () => {
    const eve = await open(
      { admin: { user: 'eve', domain: 'CONTOSO' } },
      { email: ALICE, password: EVE.password },
    );
    const err = await eve.collections().catch((e: unknown) => e);
    await eve.close();
    expect(err).toMatchObject({ code: 'EWS_IMPERSONATION_DENIED', transient: false });
    expect((err as Error).message).toMatch(
      /ErrorImpersonateUserDenied.*ms-Exch-EPI-Impersonation.*ms-Exch-EPI-May-Impersonate/,
    );
  });

  it('codes an unknown mailbox as EWS_MAILBOX_NOT_FOUND', async () => {
    const ghost = await open({}, { email: 'ghost@contoso.com', password: ADMIN.password });
    await expect(ghost.collections()).rejects.toMatchObject({
      code: 'EWS_MAILBOX_NOT_FOUND',
      details: { mailbox: 'ghost@contoso.com' },
    });
    await ghost.close();
  });

  it('codes ErrorServerBusy as transient, and the next call succeeds', async () => {
    const c = await collection('Team');
    const busy = await open({}, { email: ALICE, password: ADMIN.password });
    standin.busy = 1;
    try {
      await expect(busy.list(c)).rejects.toMatchObject({ code: 'EWS_SERVER_BUSY', transient: true });
      await expect(busy.list(c)).resolves.toHaveLength(1);
    } finally {
      await busy.close();
    }
  });

  it('codes an unreachable server as transient EWS_UNREACHABLE', async () => {
    const gone = await openEwsSource(
      EwsSettingsSchema.parse({ url: 'http://127.0.0.1:9/EWS/Exchange.asmx', auth: 'basic' }),
      { email: ALICE, password: 'x' },
    );
    await expect(gone.collections()).rejects.toMatchObject({ code: 'EWS_UNREACHABLE', transient: true });
    await gone.close();
  });

  it('refuses to open without a password, saying where it belongs', async () => {
    await expect(openEwsSource(settings(), { email: ALICE })).rejects.toMatchObject({
      code: 'EWS_BAD_SETTINGS',
      message: expect.stringMatching(/admin account svc-migrate.*secret store/),
    });
    await expect(
      openEwsSource(settings({ impersonation: false, admin: undefined }), {
        email: ALICE,
        userName: 'alice',
      }),
    ).rejects.toMatchObject({
      code: 'EWS_BAD_SETTINGS',
      message: expect.stringMatching(/CSV row needs UserName and Password/),
    });
  });

  it('refuses plain http to a remote host and impersonation without an admin account', () => {
    expect(EwsSettingsSchema.safeParse({ url: 'http://mail.contoso.com/EWS/Exchange.asmx' }).success).toBe(
      false,
    );
    expect(
      EwsSettingsSchema.safeParse({ url: 'https://mail.contoso.com/EWS/Exchange.asmx', impersonation: true })
        .success,
    ).toBe(false);
    expect(EwsSettingsSchema.parse({ url: 'https://mail.contoso.com/EWS/Exchange.asmx' })).toMatchObject({
      auth: 'ntlm',
      impersonation: false,
    });
  });
});

describe('the EWS stand-in validates requests like Exchange', () => {
  const post = (
    body: string,
    auth = `Basic ${Buffer.from(`CONTOSO\\alice:${ALICE_ACCOUNT.password}`).toString('base64')}`,
  ) =>
    fetch(standin.url, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8', Authorization: auth },
      body,
    });

  it('answers ErrorInvalidRequest without RequestServerVersion Exchange2007_SP1', async () => {
    const res = await post(
      `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">` +
        `<soap:Body><FindFolder Traversal="Deep" xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">` +
        `<FolderShape><t:BaseShape>Default</t:BaseShape></FolderShape><ParentFolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></ParentFolderIds>` +
        `</FindFolder></soap:Body></soap:Envelope>`,
    );
    expect(res.status).toBe(500);
    expect(await res.text()).toMatch(
      /<e:ResponseCode[^>]*>ErrorInvalidRequest<\/e:ResponseCode>.*RequestServerVersion/,
    );
  });

  it('answers a request the client makes without impersonation with ErrorInvalidRequest when impersonation is required', async () => {
    const strict = await startEwsStandin({
      accounts: [ALICE_ACCOUNT],
      mailboxes: [aliceMailbox()],
      requireImpersonation: true,
      auth: ['basic'],
    });
    const user = await openEwsSource(EwsSettingsSchema.parse({ url: strict.url, auth: 'basic' }), {
      email: ALICE,
      userName: 'alice',
      password: ALICE_ACCOUNT.password,
    });
    try {
      await expect(user.collections()).rejects.toMatchObject({
        code: 'EWS_REQUEST_REJECTED',
        details: { responseCode: 'ErrorInvalidRequest' },
      });
    } finally {
      await user.close();
      await strict.close();
    }
  });

  const request = (operation: string) =>
    `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">` +
    `<soap:Header><t:RequestServerVersion Version="Exchange2007_SP1"/></soap:Header>` +
    `<soap:Body>${operation}</soap:Body></soap:Envelope>`;

  it('answers ErrorSchemaValidation for elements out of the schema order and for a 2010-only FieldURI', async () => {
    const outOfOrder = await post(
      request(
        `<FindFolder Traversal="Deep" xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">` +
          `<ParentFolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></ParentFolderIds>` +
          `<FolderShape><t:BaseShape>Default</t:BaseShape></FolderShape></FindFolder>`,
      ),
    );
    expect(outOfOrder.status).toBe(500);
    expect(await outOfOrder.text()).toMatch(
      />ErrorSchemaValidation<.*&apos;FolderShape&apos; in &apos;FindFolder&apos; is unexpected/,
    );
    const newerField = await post(
      request(
        `<GetItem xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><ItemShape><t:BaseShape>AllProperties</t:BaseShape>` +
          `<t:AdditionalProperties><t:FieldURI FieldURI="calendar:StartTimeZone"/></t:AdditionalProperties></ItemShape>` +
          `<ItemIds><t:ItemId Id="AAMkAllDay"/></ItemIds></GetItem>`,
      ),
    );
    expect(await newerField.text()).toMatch(/>ErrorSchemaValidation<.*calendar:StartTimeZone/);
    // The same request with a 2007 SP1 property, any prefixes, is answered.
    const ok = await post(
      request(
        `<m:GetItem xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape>` +
          `<t:AdditionalProperties><t:FieldURI FieldURI="calendar:MeetingTimeZone"/></t:AdditionalProperties></m:ItemShape>` +
          `<m:ItemIds><t:ItemId Id="AAMkAllDay"/></m:ItemIds></m:GetItem>`,
      ),
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/<m:GetItemResponseMessage ResponseClass="Success">[\s\S]*Ascension Day/);
  });

  it('refuses a login with no credentials (401 offering NTLM and Basic)', async () => {
    const res = await fetch(standin.url, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml' },
      body: '<x/>',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/NTLM.*Basic/);
  });
});

describe('EWS source: attachments over the size limit', () => {
  it('lists an attachment larger than ATTACHMENT_MAX_BYTES without reading it, and still migrates the event', async () => {
    const box = new StandinMailbox('bob@contoso.com');
    box.addFixture('fld-calendar', 'calendar-single-meeting.xml');
    box.addAttachment({
      id: 'att-agenda',
      name: 'agenda.txt',
      contentType: 'text/plain',
      content: Buffer.alloc(ATTACHMENT_MAX_BYTES + 1024 * 1024, 0x41),
    });
    const big = await startEwsStandin({ accounts: [ADMIN], mailboxes: [box], auth: ['basic'] });
    const bob = await openEwsSource(
      EwsSettingsSchema.parse({
        url: big.url,
        auth: 'basic',
        impersonation: true,
        admin: { user: 'CONTOSO\\svc-migrate' },
      }),
      {
        email: 'bob@contoso.com',
        password: ADMIN.password,
      },
    );
    try {
      const calendar = (await bob.collections()).find((c) => c.displayName === 'Calendar') as PimCollection;
      const [fetched] = await bob.fetch(calendar, await bob.list(calendar));
      const event = fetched?.item as PimEvent;
      expect(event.subject).toBe('Budget review');
      // Compared without content so a failure does not print megabytes of base64.
      const listed = event.attachments.map(({ contentBase64, ...a }) => ({
        ...a,
        hasContent: contentBase64 !== undefined,
      }));
      expect(listed).toEqual([
        { name: 'agenda.txt', contentType: 'text/plain', size: ATTACHMENT_MAX_BYTES + 1, hasContent: false },
      ]);
      // The connection cut short is replaced: the source still answers afterwards.
      await expect(bob.list(calendar)).resolves.toHaveLength(1);
    } finally {
      await bob.close();
      await big.close();
    }
  });
});

describe('EWS source over HTTPS (NTLM on a TLS connection)', () => {
  it('reads the mailbox from a server with a self-signed certificate only when allowInvalidCertificates is set', async () => {
    const tls = await startEwsStandin({
      accounts: [ADMIN],
      mailboxes: [aliceMailbox()],
      tlsPem: makeCertificatePem().pem,
    });
    const base = {
      url: tls.url,
      auth: 'ntlm',
      impersonation: true,
      admin: { user: ADMIN.user, domain: ADMIN.domain },
    };
    const login = { email: ALICE, password: ADMIN.password };
    try {
      expect(tls.url).toMatch(/^https:/);
      const strict = await openEwsSource(EwsSettingsSchema.parse(base), login);
      await expect(strict.collections()).rejects.toMatchObject({
        code: 'EWS_UNREACHABLE',
        message: expect.stringMatching(/certificate/),
      });
      await strict.close();
      const lab = await openEwsSource(
        EwsSettingsSchema.parse({ ...base, allowInvalidCertificates: true }),
        login,
      );
      try {
        const team = (await lab.collections()).find((c) => c.displayName === 'Team') as PimCollection;
        const [monthly] = await lab.fetch(team, await lab.list(team));
        expect((monthly?.item as PimEvent).rrule).toBe('FREQ=MONTHLY;BYDAY=2TU;COUNT=10');
        expect(tls.ntlmHandshakes).toBe(1);
      } finally {
        await lab.close();
      }
    } finally {
      await tls.close();
    }
  });
});

describe('EWS source: incremental passes with SyncFolderItems', () => {
  it('reports every item once, then only what was created, changed or deleted since the sync state', async () => {
    const box = aliceMailbox();
    const sync = await startEwsStandin({ accounts: [ADMIN], mailboxes: [box] });
    const src = await openEwsSource(settings({ url: sync.url }), { email: ALICE, password: ADMIN.password });
    try {
      const suppliers = (await src.collections()).find((c) => c.displayName === 'Suppliers') as PimCollection;
      // First pass: everything, in pages of at most 512 changes.
      const first = await src.changes(suppliers);
      expect(first).toMatchObject({ done: false, deleted: [] });
      expect(first.changed).toHaveLength(512);
      const rest = await src.changes(suppliers, first.syncState);
      expect(rest.done).toBe(true);
      expect(new Set([...first.changed, ...rest.changed].map((r) => r.id)).size).toBe(PAGED_CONTACTS);
      // On the source: one contact edited, one deleted, one created.
      const edited = box.items.get('AAMkPaged0001');
      box.updateItem(
        (edited?.xml ?? '')
          .replace('ChangeKey="EQAAABYAAA0001"', 'ChangeKey="EQAAABYAAA0001-v2"')
          .replace(/Supplier 0001/g, 'Supplier One'),
      );
      box.deleteItem('AAMkPaged0002');
      box.addFixture('fld-suppliers', 'contact-template.xml', { values: { n: '0601' } });
      const delta = await src.changes(suppliers, rest.syncState);
      expect(delta).toMatchObject({ done: true, deleted: ['AAMkPaged0002'] });
      expect([...delta.changed].sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: 'AAMkPaged0001', version: 'EQAAABYAAA0001-v2' },
        { id: 'AAMkPaged0601', version: 'EQAAABYAAA0601' },
      ]);
      const edit = delta.changed.filter((r) => r.id === 'AAMkPaged0001');
      const [one] = await src.fetch(suppliers, edit);
      expect((one?.item as PimContact).displayName).toBe('Supplier One');
      // Nothing happened since: an empty page.
      await expect(src.changes(suppliers, delta.syncState)).resolves.toMatchObject({
        changed: [],
        deleted: [],
        done: true,
      });
      const syncCalls = sync.requests.filter((r) => r.operation === 'SyncFolderItems');
      expect(syncCalls.map((r) => r.impersonated)).toEqual([true, true, true, true]);
    } finally {
      await src.close();
      await sync.close();
    }
  });
});
