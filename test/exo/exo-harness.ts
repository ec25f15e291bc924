import { startGraphStandin, type GraphStandin, type GraphStandinOptions } from '../../testing/graph-standin';
import { CLIENT_ID, TEST_SECRET } from '../../testing/jest/graph';
import { TARGET_SPECIAL_USE } from '../../testing/jest/dovecot';
import type { RunningDovecot } from '../../testing/mail/dovecot';
import { startOAuthDovecot } from '../../testing/mail/dovecot-oauth';
import { startExoProxy, type ExoProxy, type ExoProxyOptions } from '../../testing/mail/exo-proxy';

/**
 * "Exchange Online" for the tests: the Graph stand-in (token endpoint, directory), a Dovecot that
 * validates the stand-in's Exchange tokens over XOAUTH2 with Exchange Online's capability list, and
 * the loopback proxy that adds token-expiry BYEs, throttling and the dropped `\Flagged`.
 */
export interface ExoWorld {
  standin: GraphStandin;
  imap: RunningDovecot;
  proxy: ExoProxy;
}

export interface ExoWorldOptions {
  standin?: GraphStandinOptions;
  proxy?: Omit<ExoProxyOptions, 'target'>;
}

export function useExchangeOnline(options: ExoWorldOptions = {}): () => ExoWorld {
  let world: ExoWorld | undefined;
  beforeAll(async () => {
    const standin = await startGraphStandin({
      apps: [{ clientId: CLIENT_ID, secret: TEST_SECRET }],
      ...options.standin,
    });
    const imap = await startOAuthDovecot({
      tokenKey: standin.exchangeTokenKey,
      tenantId: standin.tenantId,
      specialUse: TARGET_SPECIAL_USE,
    });
    const proxy = await startExoProxy({ target: { host: imap.host, port: imap.port }, ...options.proxy });
    world = { standin, imap, proxy };
  }, 30000);
  afterAll(async () => {
    await world?.proxy.stop();
    await world?.imap.stop();
    await world?.standin.stop();
  });
  return () => {
    if (!world) throw new Error('useExchangeOnline() must be called at the top of the test file');
    return world;
  };
}
