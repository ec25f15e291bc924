import { CORPUS_FOLDER_MAP } from '../../testing/mail/corpus';
import { simpleParser } from 'mailparser';
import { GraphMailTarget, ITEM_KEY_PROPERTY } from '../../shared/graph';
import { syncMailbox, type MailContext } from '../../shared/mail';
import { seedMailbox, testCorpus } from '../../testing/mail/corpus';
import { normalisePropertyId, type StandinMessage } from '../../testing/graph-standin';
import { useAzurite } from '../../testing/jest/azurite';
import { SOURCE_SPECIAL_USE, useDovecot } from '../../testing/jest/dovecot';
import { clientFor, useStandin } from '../../testing/jest/graph';

/**
 * A mailbox migrated end to end: Dovecot (source) → the copy engine → GraphMailTarget → the Graph
 * stand-in, state in Azurite (Dovecot is installed by .ci/run, like for every IMAP test).
 */

const USER = 'd0d0d0d0-0000-4000-8000-000000000004';
const ALICE = 'alice@example.test';

/** Source folder → the target folder path in the Graph mailbox. */
const FOLDER_MAP: Record<string, string> = { ...CORPUS_FOLDER_MAP, INBOX: 'Inbox' };

describe('Dovecot mailbox into the Graph stand-in through the copy engine', () => {
  const source = useDovecot({ specialUse: SOURCE_SPECIAL_USE });
  const storage = useAzurite();
  const standin = useStandin({ users: [{ userPrincipalName: ALICE, id: USER }] });
  const corpus = testCorpus();

  beforeAll(async () => {
    source().addUser(ALICE, 'pw');
    await seedMailbox({ host: source().host, port: source().port, user: ALICE, password: 'pw' }, corpus);
  }, 60000);

  function ctx(hooks?: MailContext['hooks']): MailContext {
    return {
      mailboxKey: `batchG:${ALICE}`,
      source: {
        endpoint: {
          host: source().host,
          port: source().port,
          security: 'none',
          admin: { user: 'admin', loginFormat: '{user}*{admin}' },
        },
        login: { email: ALICE, password: 'adminpw' },
      },
      target: { open: async () => new GraphMailTarget(clientFor(standin()), { userId: USER }) },
      storage: { connectionString: storage().connectionString },
      ...(hooks ? { hooks } : {}),
    };
  }

  function messages(): StandinMessage[] {
    return [...standin().state.mailboxes.get(USER)!.messages.values()];
  }

  function folderPath(id: string): string {
    const box = standin().state.mailboxes.get(USER)!;
    const parts: string[] = [];
    for (let f = box.folders.get(id); f; f = box.folders.get(f.parentFolderId)) parts.unshift(f.displayName);
    return parts.join('/');
  }

  const prop = (m: StandinMessage, id: string) => m.extended.get(normalisePropertyId(id))?.value;

  it('survives a crash after the first appends and then carries every message exactly once, faithfully', async () => {
    // First run "crashes" after the first append call of a chunk, before the item index knows of it.
    let crashed = false;
    const first: unknown = await syncMailbox(
      ctx({
        afterAppend: () => {
          if (!crashed) {
            crashed = true;
            throw new Error('simulated crash after append');
          }
        },
      }),
    ).then(
      (summary) => summary.error,
      (e: unknown) => e,
    );
    expect(crashed).toBe(true);
    expect(first).toBeDefined();
    const second = await syncMailbox(ctx());
    expect(second.error).toBeUndefined();
    expect(messages()).toHaveLength(corpus.length);
    // Every engine key once: the retry reused what had arrived instead of creating it again.
    const keys = messages().map((m) => prop(m, ITEM_KEY_PROPERTY));
    expect(new Set(keys).size).toBe(corpus.length);

    const remaining = messages();
    for (const c of corpus) {
      const parsed = await simpleParser(c.content);
      const subject = parsed.subject ?? '';
      const i = remaining.findIndex(
        (m) =>
          m.fields.subject === subject &&
          folderPath(m.parentFolderId) === FOLDER_MAP[c.folder] &&
          prop(m, 'SystemTime 0x0E06') === c.internalDate.toISOString(),
      );
      expect({ subject, folder: c.folder, found: i >= 0 }).toEqual({
        subject,
        folder: c.folder,
        found: true,
      });
      const [m] = remaining.splice(i, 1);
      const body = (m!.fields.body as { content: string }).content;
      expect(body.trim()).toBe((parsed.html || parsed.text || '').trim());
      if (parsed.date) expect(prop(m!, 'SystemTime 0x0039')).toBe(parsed.date.toISOString());
      expect(m!.fields.isRead).toBe(c.flags.includes('\\Seen'));
      expect((m!.fields.flag as { flagStatus: string }).flagStatus).toBe(
        c.flags.includes('\\Flagged') ? 'flagged' : 'notFlagged',
      );
      expect(prop(m!, 'Integer 0x0E07')).toBe(c.flags.includes('\\Draft') ? undefined : '1');
      expect(m!.attachments.map((a) => [a.name, a.bytes.toString('base64')])).toEqual(
        parsed.attachments.map((a) => [a.filename, a.content.toString('base64')]),
      );
    }
    const keywords = messages().find((m) => m.fields.subject === 'keywords')!;
    expect([...(keywords.fields.categories as string[])].sort()).toEqual(['Important', 'Project-X']);
  }, 90000);
});
