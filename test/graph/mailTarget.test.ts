import { randomBytes } from 'node:crypto';
import { GraphMailTarget, ITEM_KEY_PROPERTY, PENDING_KEY_PROPERTY } from '../../shared/graph';
import type { TargetMessage } from '../../shared/mail/target';
import { normalisePropertyId, type StandinMessage } from '../../testing/graph-standin';
import { clientFor, mime, useStandin } from '../../testing/jest/graph';

const standin = useStandin({
  users: [{ userPrincipalName: 'ada@contoso.com', id: 'a0a0a0a0-0000-4000-8000-000000000001' }],
});
const USER = 'a0a0a0a0-0000-4000-8000-000000000001';

const png = randomBytes(2_000);
const pdf = randomBytes(40_000);
const big = randomBytes(4_500_000); // over 3 MB: upload session, in two chunks

interface Fixture {
  folder: string;
  key: string;
  flags: string[];
  internalDate: Date;
  sent: Date;
  subject: string;
  body: string;
  attachments: Array<{ name: string; bytes: Buffer }>;
  build: () => Promise<Buffer>;
}

function fixtures(): Fixture[] {
  const list: Fixture[] = [];
  const add = (f: Omit<Fixture, 'build'> & { html?: string; extra?: Record<string, unknown> }): void => {
    list.push({
      ...f,
      build: () =>
        mime({
          from: 'Grace Hopper <grace@fabrikam.com>',
          to: 'ada@contoso.com',
          subject: f.subject,
          date: f.sent,
          messageId: `<${f.key}@fabrikam.com>`,
          ...(f.html ? { html: f.html, text: f.body } : { text: f.body }),
          attachments: f.attachments.map((a) => ({ filename: a.name, content: a.bytes })),
          ...f.extra,
        }),
    });
  };
  const day = (d: number) => new Date(Date.UTC(2021, 2, d, 9, 30, 0));
  add({
    folder: 'INBOX',
    key: 'k-plain',
    flags: ['\\Seen'],
    internalDate: day(2),
    sent: day(1),
    subject: 'Plain note',
    body: 'Hello Ada,\nplain text.',
    attachments: [],
  });
  add({
    folder: 'INBOX',
    key: 'k-html',
    flags: ['\\Flagged', 'Project', '$label1'],
    internalDate: day(4),
    sent: day(3),
    subject: 'Rapport für März — ünïcödé',
    body: 'See the chart.',
    html: '<p>See the <b>chart</b>: <img src="cid:chart@x"></p>',
    attachments: [{ name: 'q1.pdf', bytes: pdf }],
    extra: {
      attachments: [
        { filename: 'q1.pdf', content: pdf },
        { filename: 'chart.png', content: png, cid: 'chart@x' },
      ],
      headers: { 'X-Priority': '1 (Highest)', Importance: 'High' },
    },
  });
  add({
    folder: 'Projects/2024',
    key: 'k-big',
    flags: ['\\Seen', '\\Answered'],
    internalDate: day(6),
    sent: day(5),
    subject: 'Large drawing',
    body: 'Drawing attached.',
    attachments: [{ name: 'drawing.dwg', bytes: big }],
  });
  add({
    folder: 'Projects/2024',
    key: 'k-draft',
    flags: ['\\Draft'],
    internalDate: day(8),
    sent: day(7),
    subject: 'Unfinished',
    body: 'Draft body',
    attachments: [],
  });
  return list;
}

function stored(): StandinMessage[] {
  return [...standin().state.mailboxes.get(USER)!.messages.values()];
}

function prop(m: StandinMessage, id: string): string | undefined {
  return m.extended.get(normalisePropertyId(id))?.value;
}

async function toTarget(f: Fixture): Promise<TargetMessage> {
  const content = await f.build();
  return { key: f.key, size: content.length, internalDate: f.internalDate, content, flags: f.flags };
}

describe('Graph mail target', () => {
  const all = fixtures();

  it('migrates MIME messages with subject, body, dates, read/flag state and attachments', async () => {
    const client = clientFor(standin());
    const target = new GraphMailTarget(client, { userId: USER });
    const byFolder = new Map<string, Fixture[]>();
    for (const f of all) byFolder.set(f.folder, [...(byFolder.get(f.folder) ?? []), f]);
    for (const [folder, items] of byFolder) {
      await target.ensureFolder(folder);
      const results = await target.append(folder, await Promise.all(items.map(toTarget)));
      expect(results.every((r) => r.ok && r.id)).toBe(true);
    }

    const folders = await target.listFolders();
    expect(folders.map((f) => f.path)).toEqual(
      expect.arrayContaining(['Inbox', 'Projects', 'Projects/2024']),
    );
    const box = standin().state.mailboxes.get(USER)!;
    const inboxId = [...box.folders.values()].find((f) => f.wellKnownName === 'inbox')!.id;
    const nested = [...box.folders.values()].find((f) => f.displayName === '2024')!;
    expect(box.folders.get(nested.parentFolderId)?.displayName).toBe('Projects');

    for (const f of all) {
      const m = stored().find((x) => prop(x, ITEM_KEY_PROPERTY) === f.key)!;
      expect(m).toBeDefined();
      expect(m.parentFolderId).toBe(f.folder === 'INBOX' ? inboxId : nested.id);
      expect(m.fields.subject).toBe(f.subject);
      // The HTML part when there is one, else the text.
      const expected = f.key === 'k-html' ? 'See the <b>chart</b>' : f.body;
      expect((m.fields.body as { content: string }).content).toContain(expected);
      expect(prop(m, 'SystemTime 0x0E06')).toBe(f.internalDate.toISOString());
      expect(prop(m, 'SystemTime 0x0039')).toBe(f.sent.toISOString());
      expect(m.fields.isRead).toBe(f.flags.includes('\\Seen'));
      expect((m.fields.flag as { flagStatus: string }).flagStatus).toBe(
        f.flags.includes('\\Flagged') ? 'flagged' : 'notFlagged',
      );
      // Not a draft unless the source said \Draft.
      expect(prop(m, 'Integer 0x0E07')).toBe(f.flags.includes('\\Draft') ? undefined : '1');
      for (const a of f.attachments) {
        const got = m.attachments.find((x) => x.name === a.name);
        expect(got?.bytes.equals(a.bytes)).toBe(true);
      }
    }
    const html = stored().find((x) => prop(x, ITEM_KEY_PROPERTY) === 'k-html')!;
    expect(html.fields.categories).toEqual(['Project', 'Important']);
    expect(html.fields.importance).toBe('high');
    expect((html.fields.body as { contentType: string }).contentType).toBe('html');
    const inline = html.attachments.find((a) => a.name === 'chart.png')!;
    expect(inline).toMatchObject({ isInline: true, contentId: 'chart@x' });
    expect(inline.bytes.equals(png)).toBe(true);
    const bigMsg = stored().find((x) => prop(x, ITEM_KEY_PROPERTY) === 'k-big')!;
    expect(bigMsg.attachments[0]!.via).toBe('upload-session');
    expect(prop(bigMsg, 'Integer 0x1081')).toBe('102'); // replied
  });

  it('a retried chunk finds what arrived and creates nothing twice, even after a half-built message', async () => {
    const client = clientFor(standin());
    const target = new GraphMailTarget(client, { userId: USER });
    const folder = 'Retry';
    const items = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => toTarget({ ...all[0]!, key: `retry-${i}`, subject: `Retry ${i}` })),
    );
    // First attempt: the first three arrive, then the activity "crashes".
    await target.ensureFolder(folder);
    await target.append(folder, items.slice(0, 3));
    // A large message of the chunk was half-built: created, attachments not yet in, key pending.
    const bigItem = await toTarget({ ...all[2]!, key: 'retry-big' });
    const folderId = [...standin().state.mailboxes.get(USER)!.folders.values()].find(
      (f) => f.displayName === folder,
    )!.id;
    await client.post(`/users/${USER}/mailFolders/${folderId}/messages`, {
      subject: 'half built',
      singleValueExtendedProperties: [{ id: PENDING_KEY_PROPERTY, value: 'retry-big' }],
    });

    // Retry: as the engine does, ask which items exist, append only the rest.
    const retryTarget = new GraphMailTarget(client, { userId: USER });
    const chunk = [...items, bigItem];
    const found = await retryTarget.findExisting(folder, chunk);
    expect([...found.keys()].sort()).toEqual(['retry-0', 'retry-1', 'retry-2']);
    await retryTarget.append(
      folder,
      chunk.filter((m) => !found.has(m.key)),
    );
    // And a second retry of the whole chunk finds everything.
    expect((await retryTarget.findExisting(folder, chunk)).size).toBe(6);

    const inFolder = stored().filter((m) => m.parentFolderId === folderId);
    const keys = inFolder
      .map((m) => prop(m, ITEM_KEY_PROPERTY) ?? `pending:${prop(m, PENDING_KEY_PROPERTY)}`)
      .sort();
    expect(keys).toEqual(['retry-0', 'retry-1', 'retry-2', 'retry-3', 'retry-4', 'retry-big']);
    expect(
      inFolder.find((m) => prop(m, ITEM_KEY_PROPERTY) === 'retry-big')!.attachments[0]!.bytes.equals(big),
    ).toBe(true);
  });

  it('lists what the Graph message cannot carry instead of dropping it silently', async () => {
    const noted: Array<[string, string[]]> = [];
    const target = new GraphMailTarget(clientFor(standin()), {
      userId: USER,
      onNotCarried: (k, n) => noted.push([k, n]),
    });
    const item = await toTarget({ ...all[0]!, key: 'k-notes', flags: ['\\Seen', '\\Deleted', '$MDNSent'] });
    const [result] = await target.append('INBOX', [item]);
    expect(result).toMatchObject({
      ok: true,
      notCarried: [expect.stringMatching(/Deleted/), expect.stringMatching(/MDNSent/)],
    });
    expect(noted[0]?.[0]).toBe('k-notes');
  });

  it('refuses a message over the mailbox size limit per item, without failing the chunk', async () => {
    const target = new GraphMailTarget(clientFor(standin()), { userId: USER, maxMessageBytes: 1_000 });
    const small = await toTarget({ ...all[0]!, key: 'fits', body: 'x' });
    const large = await toTarget({ ...all[1]!, key: 'too-large' });
    const results = await target.append('INBOX', [large, small]);
    expect(results[0]).toMatchObject({ ok: false, reason: expect.stringMatching(/maximum message size/) });
    expect(results[1]).toMatchObject({ ok: true });
  });
});

describe('Graph mail target, tenant size limit below the target setting', () => {
  // The tenant allows 4 MB per message; the target was set up for Exchange's default 35 MB, so the
  // engine sends the 4.5 MB attachment and Graph refuses its upload session after the create.
  const small = useStandin({
    users: [{ userPrincipalName: 'ada@contoso.com', id: USER }],
    maxMessageBytes: 4_000_000,
  });

  it('lists the message as refused and leaves no copy without its attachment in the mailbox', async () => {
    const target = new GraphMailTarget(clientFor(small()), { userId: USER });
    const [plain, , bigOne] = fixtures();
    await target.ensureFolder('Limits');
    const results = await target.append('Limits', [
      await toTarget({ ...bigOne!, key: 'over-tenant-limit' }),
      await toTarget({ ...plain!, key: 'fits-tenant-limit' }),
    ]);
    // What happened and what to do about it.
    expect(results[0]).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/maximum size.*MaxReceiveSize/),
    });
    expect(results[1]).toMatchObject({ ok: true });
    const box = small().state.mailboxes.get(USER)!;
    const folderId = [...box.folders.values()].find((f) => f.displayName === 'Limits')!.id;
    const inFolder = [...box.messages.values()].filter((m) => m.parentFolderId === folderId);
    expect(
      inFolder.map((m) => prop(m, ITEM_KEY_PROPERTY) ?? `pending:${prop(m, PENDING_KEY_PROPERTY)}`),
    ).toEqual(['fits-tenant-limit']);
  });
});
