import { imapTokenFunction } from '../../shared/auth';
import { ExchangeOnlineTarget, parseEndpoint, syncMailbox } from '../../shared/mail';
import { EXCHANGE_PIPELINE_DEPTH } from '../../shared/mail/limits';
import { useAzurite } from '../../testing/jest/azurite';
import { SOURCE_SPECIAL_USE, useDovecot } from '../../testing/jest/dovecot';
import { CLIENT_ID, TEST_SECRET } from '../../testing/jest/graph';
import { seedMailbox, snapshotMailbox, testCorpus } from '../../testing/mail/corpus';
import { useExchangeOnline } from './exo-harness';

/**
 * Exchange Online throttles with `BAD Request is throttled. Suggested Backoff Time: N milliseconds`,
 * counts every command arriving during the back-off as an error, and closes a connection after
 * about ten errors. Appends go out pipelined (a few unanswered at once): at a throttling answer the
 * run must stop sending (only the appends already on the wire may arrive during the back-off), wait
 * as told, send again only the refused ones, never get a connection closed for errors, and lose or
 * double nothing.
 */

const BACKOFF_MS = 400;
const source = useDovecot({ specialUse: SOURCE_SPECIAL_USE });
const exo = useExchangeOnline({ proxy: { throttle: { every: 4, backoffMs: BACKOFF_MS } } });
const storage = useAzurite();

it('backs off as the server says and completes with nothing lost or doubled', async () => {
  const user = 'carol@contoso.com';
  source().addUser(user, 'pw');
  exo().imap.addUser(user, 'pw');
  const corpus = testCorpus();
  await seedMailbox({ host: source().host, port: source().port, user, password: 'pw' }, corpus);
  const getAccessToken = imapTokenFunction(
    {
      tenantId: exo().standin.tenantId,
      clientId: CLIENT_ID,
      credential: 'secret',
      authorityHost: exo().standin.authorityHost,
    },
    TEST_SECRET,
  );
  const endpoint = parseEndpoint(
    { host: exo().proxy.host, port: exo().proxy.port, security: 'none', auth: 'xoauth2', connections: 2 },
    'target',
  );
  const summary = await syncMailbox({
    mailboxKey: `throttle:${user}`,
    source: {
      endpoint: { host: source().host, port: source().port, security: 'none' },
      login: { email: user, password: 'pw' },
    },
    target: { open: () => ExchangeOnlineTarget.open(endpoint, { email: user, getAccessToken }) },
    storage: { connectionString: storage().connectionString },
  });
  expect(summary.error).toBeUndefined();
  const stats = exo().proxy.stats;
  expect(stats.throttled).toBeGreaterThanOrEqual(Math.floor(corpus.length / 4));
  // The pipeline was on, and no deeper than Exchange's bound.
  expect(stats.maxAppendsInFlight).toBeGreaterThanOrEqual(2);
  expect(stats.maxAppendsInFlight).toBeLessThanOrEqual(EXCHANGE_PIPELINE_DEPTH);
  // Nothing was sent after a throttling answer: only appends already on the wire met the back-off.
  expect(stats.maxInOneBackoff).toBeLessThanOrEqual(EXCHANGE_PIPELINE_DEPTH - 1);
  expect(stats.closedForErrors).toBe(0);
  expect(summary.copied).toBe(corpus.length);
  const target = await snapshotMailbox({
    host: exo().imap.host,
    port: exo().imap.port,
    user,
    password: 'pw',
  });
  const copied = [...target.values()].flat();
  expect(copied).toHaveLength(corpus.length);
  const src = [
    ...(await snapshotMailbox({ host: source().host, port: source().port, user, password: 'pw' })).values(),
  ].flat();
  const key = (m: { sha256: string; internalDate: string; flags: string[] }) =>
    `${m.sha256}|${m.internalDate}|${m.flags.join(' ')}`;
  expect(copied.map(key).sort()).toEqual(src.map(key).sort());
}, 120000);
