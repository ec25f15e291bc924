import { closeSessionPool } from '../../shared/mail/session-pool';

/**
 * Every test file closes the IMAP connections its copies left in the process's session pool: an
 * idle pooled socket keeps a jest worker alive until its idle timeout (30 s), after the file's last
 * test, and at the end of the run jest then kills the worker ("failed to exit gracefully").
 */
afterAll(() => closeSessionPool());
