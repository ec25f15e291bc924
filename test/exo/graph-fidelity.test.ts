import { buildReport } from '../../shared/report';
import { mailferry } from '../../testing/jest/cli';
import { SOURCE_SPECIAL_USE, useDovecot } from '../../testing/jest/dovecot';
import { useStandin } from '../../testing/jest/graph';
import { graphRunFiles } from '../../testing/jest/graph-run';
import { seedMailbox, testCorpus } from '../../testing/mail/corpus';

/**
 * A microsoft365 target with `mailTransport: "graph"` (a tenant that turned IMAP off): Graph
 * rebuilds each message as JSON, and what a message lost is counted per mailbox and shown in the
 * reports, never silent.
 */

const source = useDovecot({ specialUse: SOURCE_SPECIAL_USE });
const standin = useStandin({
  organization: { displayName: 'Contoso', onPremisesSyncEnabled: true },
  domains: [{ id: 'contoso.com' }],
  users: [{ userPrincipalName: 'dana@contoso.com' }],
});

test('counts per mailbox what Graph mail could not carry', async () => {
  const user = 'dana@contoso.com';
  source().addUser(user, 'pw');
  await seedMailbox({ host: source().host, port: source().port, user, password: 'pw' }, testCorpus());
  const { config, csv, data } = graphRunFiles('graph-fidelity', source(), standin(), [user]);
  const run = await mailferry(['run', '--config', config, '--csv', csv, '--data', data, '--json'], {
    timeoutMs: 180_000,
  });
  expect(run.stderr).not.toMatch(/^error /m);
  expect(run.code).toBe(0);
  const [mailbox] = JSON.parse(run.stdout).mailboxes;
  expect(mailbox).toMatchObject({ emailAddress: user, status: 'Synced', itemsSynced: testCorpus().length });
  // What the corpus holds that a Graph message cannot: the $Junk keyword (Graph keeps other
  // keywords as categories) on the Spam message, and \Deleted on two messages.
  expect(mailbox.notCarried).toEqual({
    keywords: 1,
    '\\Deleted flag (the message is copied, not marked for deletion)': 2,
  });
  // An incremental run copies nothing and counts nothing twice; the printed report says it too.
  const again = await mailferry(['run', '--config', config, '--csv', csv, '--data', data], {
    timeoutMs: 180_000,
  });
  expect(again.code).toBe(0);
  expect(again.stdout).toContain(
    'dana@contoso.com: not carried by Graph: \\Deleted flag (the message is copied, not marked for deletion) ×2, keywords ×1',
  );
}, 240_000);

test('the reports show the losses per mailbox', () => {
  const report = buildReport('final', {
    batch: { id: 'b1', name: 'wave', status: 'Synced', createdAt: '2026-11-20T08:00:00Z' },
    mailboxes: [
      {
        emailAddress: 'dana@contoso.com',
        status: 'Synced',
        itemsSynced: 25,
        itemsSkipped: 0,
        bytesSynced: 1000,
        notCarried: {
          keywords: 4,
          'S/MIME or PGP signature (kept as an attachment, no longer verifiable)': 1,
        },
      },
      { emailAddress: 'eve@contoso.com', status: 'Synced', itemsSynced: 3, itemsSkipped: 0, bytesSynced: 10 },
    ],
  });
  expect(report.text).toContain('- dana@contoso.com: Synced; 25 synced, 0 skipped;');
  expect(report.text).toMatch(
    /dana@contoso\.com.*not carried by Graph: keywords ×4, S\/MIME or PGP signature .* ×1/,
  );
  expect(report.text).not.toMatch(/eve@contoso\.com.*not carried/);
  expect(report.html).toContain('Not carried (Graph)');
  expect(report.html).toContain('keywords ×4');
});
