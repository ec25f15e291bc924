import { startDovecot, type DovecotOptions, type RunningDovecot } from '../mail/dovecot';

/**
 * One Dovecot per test file (and per call: call twice for a source and a target): started in
 * `beforeAll`, stopped in `afterAll`. Usage: `const source = useDovecot(); ... source().port`.
 */
export function useDovecot(options: DovecotOptions = {}): () => RunningDovecot {
  let running: RunningDovecot | undefined;
  beforeAll(async () => {
    running = await startDovecot(options);
  }, 30000);
  afterAll(async () => {
    await running?.stop();
  });
  return () => {
    if (!running) throw new Error('Dovecot is not running: call useDovecot() at the top of the test file');
    return running;
  };
}

/** Source folders named unlike the target's, so mapping by role is visible. */
export const SOURCE_SPECIAL_USE = {
  'Sent Messages': '\\Sent',
  Brouillons: '\\Drafts',
  Corbeille: '\\Trash',
  Spam: '\\Junk',
  Archives: '\\Archive',
};

/** Exchange Online's names. */
export const TARGET_SPECIAL_USE = {
  'Sent Items': '\\Sent',
  Drafts: '\\Drafts',
  'Deleted Items': '\\Trash',
  'Junk Email': '\\Junk',
  Archive: '\\Archive',
};
