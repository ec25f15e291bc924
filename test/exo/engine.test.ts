import { CORPUS_FOLDER_MAP } from '../../testing/mail/corpus';
import { imapTokenFunction } from '../../shared/auth';
import {
  checkExchangeMailbox,
  ExchangeOnlineTarget,
  MailState,
  parseEndpoint,
  syncMailbox,
  type MailContext,
} from '../../shared/mail';
import { openImap } from '../../shared/mail/login';
import { useAzurite } from '../../testing/jest/azurite';
import { SOURCE_SPECIAL_USE, useDovecot } from '../../testing/jest/dovecot';
import { CLIENT_ID, TEST_SECRET } from '../../testing/jest/graph';
import {
  plainMessage,
  seedMailbox,
  snapshotMailbox,
  testCorpus,
  type SnapshotItem,
} from '../../testing/mail/corpus';
import { useExchangeOnline } from './exo-harness';

/**
 * The copy engine into "Exchange Online" (XOAUTH2 Dovecot behind the Exchange proxy): tokens that
 * expire within seconds so a run crosses an expiry, every message byte-identical with its flags
 * (\Flagged set by STORE, since the APPEND loses it), keywords and INTERNALDATE; the reserved
 * "Files" folder; a too-large message listed with the fix.
 */

const TOKEN_SECONDS = 8;
const source = useDovecot({ specialUse: SOURCE_SPECIAL_USE });
/** An app registration that was never granted IMAP.AccessAsApp. */
const NO_IMAP_APP = '33333333-3333-3333-3333-333333333333';
const exo = useExchangeOnline({
  standin: {
    tokenLifetimeSeconds: TOKEN_SECONDS,
    apps: [
      { clientId: CLIENT_ID, secret: TEST_SECRET },
      { clientId: NO_IMAP_APP, secret: TEST_SECRET, exchangeRoles: ['SMTP.SendAsApp'] },
    ],
  },
});
const storage = useAzurite();

const FOLDER_MAP: Record<string, string> = { ...CORPUS_FOLDER_MAP, Files: 'Files (migrated)' };

const sourceLogin = (user: string) => ({
  host: source().host,
  port: source().port,
  user,
  password: 'pw',
});
/** The target read directly (password login, no proxy): what a user of the mailbox would see. */
const targetLogin = (user: string) => ({
  host: exo().imap.host,
  port: exo().imap.port,
  user,
  password: 'pw',
});

function tokens(clientId = CLIENT_ID) {
  return imapTokenFunction(
    {
      tenantId: exo().standin.tenantId,
      clientId,
      credential: 'secret',
      authorityHost: exo().standin.authorityHost,
    },
    TEST_SECRET,
  );
}

function exoEndpoint(maxMessageSizeMB?: number) {
  return parseEndpoint(
    {
      host: exo().proxy.host,
      port: exo().proxy.port,
      security: 'none',
      auth: 'xoauth2',
      connections: 2,
      ...(maxMessageSizeMB ? { maxMessageSizeMB } : {}),
    },
    'target',
  );
}

function ctx(user: string, extra: Partial<MailContext> = {}, maxMessageSizeMB?: number): MailContext {
  const getAccessToken = tokens();
  return {
    mailboxKey: `exo:${user}`,
    source: {
      endpoint: { host: source().host, port: source().port, security: 'none' },
      login: { email: user, password: 'pw' },
    },
    target: {
      open: () => ExchangeOnlineTarget.open(exoEndpoint(maxMessageSizeMB), { email: user, getAccessToken }),
    },
    storage: { connectionString: storage().connectionString },
    ...extra,
  };
}

async function mapped(user: string): Promise<Map<string, SnapshotItem[]>> {
  const snap = await snapshotMailbox(targetLogin(user));
  return new Map(Object.entries(FOLDER_MAP).map(([src, dst]) => [src, snap.get(dst) ?? []]));
}

const onlyMapped = (snap: Map<string, SnapshotItem[]>) =>
  new Map(Object.keys(FOLDER_MAP).map((k) => [k, snap.get(k) ?? []]));

describe('copy into Exchange Online over IMAP with XOAUTH2', () => {
  const alice = 'alice@contoso.com';
  let before: Map<string, SnapshotItem[]>;

  beforeAll(async () => {
    for (const user of [alice, 'bob@contoso.com']) {
      source().addUser(user, 'pw');
      exo().imap.addUser(user, 'pw');
    }
    await seedMailbox(sourceLogin(alice), [
      ...testCorpus(),
      {
        folder: 'Files',
        content: plainMessage({ subject: 'in Files', seed: 77 }),
        flags: ['\\Flagged'],
        internalDate: new Date('2023-03-03T03:03:03Z'),
      },
    ]);
    before = await snapshotMailbox(sourceLogin(alice));
  }, 60000);

  it('logs in with an app-only token as the mailbox; a stale token is refused, then refreshed', async () => {
    const getAccessToken = tokens();
    const stale = await getAccessToken();
    const client = await openImap(
      exoEndpoint(),
      { email: alice, getAccessToken: async () => stale },
      'target',
    );
    // Exchange Online's capability list, as the server gives it after login.
    expect(client.capabilities.has('MULTIAPPEND')).toBe(false);
    expect(client.capabilities.has('CONDSTORE')).toBe(false);
    expect(client.capabilities.has('APPENDLIMIT')).toBe(false);
    expect(client.capabilities.has('UIDPLUS')).toBe(true);
    await client.logout();
    await new Promise((r) => setTimeout(r, (TOKEN_SECONDS + 1) * 1000));
    // The server's own validation refuses the expired token; the login asks past the cache once.
    const asked: boolean[] = [];
    const refreshed = await openImap(
      exoEndpoint(),
      {
        email: alice,
        getAccessToken: async (o) => {
          asked.push(!!o?.forceRefresh);
          return o?.forceRefresh ? getAccessToken(o) : stale;
        },
      },
      'target',
    );
    expect(asked).toEqual([false, true]);
    await refreshed.logout();
  }, 60000);

  it('copies every message byte for byte with flags, keywords and dates, across a token expiry', async () => {
    let paused = false;
    const hooks = {
      // Midway, wait out the token: the next command on that session meets "AccessTokenExpired".
      afterAppend: async (n: number) => {
        if (!paused && n >= 8) {
          paused = true;
          await new Promise((r) => setTimeout(r, (TOKEN_SECONDS + 1) * 1000));
        }
      },
    };
    const expiredBefore = exo().proxy.stats.expiredSessions;
    const summary = await syncMailbox(ctx(alice, { hooks }));
    expect(summary.error).toBeUndefined();
    expect(exo().proxy.stats.expiredSessions).toBeGreaterThan(expiredBefore);
    expect(exo().proxy.stats.flaggedDropped).toBeGreaterThan(0);
    expect(await mapped(alice)).toEqual(onlyMapped(before));
    expect(summary.plan.renames).toEqual(
      expect.arrayContaining([
        { source: 'Files', target: 'Files (migrated)', reason: 'name reserved on the target' },
      ]),
    );
    // Nothing twice: a rerun appends nothing and the target still equals the source.
    const again = await syncMailbox(ctx(alice));
    expect(again.copied).toBe(0);
    expect(await mapped(alice)).toEqual(onlyMapped(before));
  }, 120000);

  it('skips a message over MaxReceiveSize and lists it with its size and the fix', async () => {
    const bob = 'bob@contoso.com';
    await seedMailbox(sourceLogin(bob), [
      {
        folder: 'INBOX',
        content: plainMessage({ subject: 'small', seed: 1 }),
        flags: [],
        internalDate: new Date('2024-01-01T00:00:00Z'),
      },
      {
        folder: 'INBOX',
        content: plainMessage({ subject: 'big', attachmentBytes: 60000, seed: 2 }),
        flags: [],
        internalDate: new Date('2024-01-02T00:00:00Z'),
      },
    ]);
    const summary = await syncMailbox(ctx(bob, {}, 0.05));
    expect(summary.copied).toBe(1);
    expect(summary.skipped).toBe(1);
    const skipped = await new MailState(
      { connectionString: storage().connectionString },
      `exo:${bob}`,
    ).listSkipped();
    expect(skipped).toEqual([
      expect.objectContaining({
        subject: 'big',
        kind: 'tooLarge',
        reason: expect.stringMatching(/Set-Mailbox .*-MaxReceiveSize/),
      }),
    ]);
  }, 60000);

  it('checks a mailbox before the copy: each failure is a coded error that names the fix', async () => {
    await expect(
      checkExchangeMailbox(
        exoEndpoint(),
        { email: alice, getAccessToken: tokens() },
        { clientId: CLIENT_ID },
      ),
    ).resolves.toBeUndefined();
    // An app without IMAP.AccessAsApp: the server refuses its token (the role is checked)...
    const noRole = tokens(NO_IMAP_APP);
    await expect(
      openImap(exoEndpoint(), { email: alice, getAccessToken: noRole }, 'target'),
    ).rejects.toMatchObject({ code: 'MAIL_AUTH_FAILED' });
    // ...and the check says what to grant before trying.
    await expect(
      checkExchangeMailbox(
        exoEndpoint(),
        { email: alice, getAccessToken: noRole },
        { clientId: NO_IMAP_APP },
      ),
    ).rejects.toMatchObject({
      code: 'EXO_IMAP_PERMISSION_MISSING',
      message: expect.stringMatching(/IMAP\.AccessAsApp[\s\S]*admin consent/),
    });
    // A login the server refuses names the service principal, FullAccess and IMAP switches.
    const good = tokens();
    const forged = async () => {
      const [h, p] = (await good()).split('.');
      return `${h}.${p}.${Buffer.from('not the signature').toString('base64url')}`;
    };
    await expect(
      checkExchangeMailbox(exoEndpoint(), { email: alice, getAccessToken: forged }, { clientId: CLIENT_ID }),
    ).rejects.toMatchObject({
      code: 'EXO_IMAP_LOGIN_REFUSED',
      message: expect.stringMatching(
        /New-ServicePrincipal[\s\S]*Add-MailboxPermission[\s\S]*-ImapEnabled \$true/,
      ),
    });
  }, 90000);
});
