import { startAzurite, type RunningAzurite } from '../../local/azurite';

/**
 * One in-memory Azurite per test file: start it in `beforeAll`, stop it in `afterAll`.
 * Usage: `const storage = useAzurite(); ... storage().connectionString`.
 */
export function useAzurite(): () => RunningAzurite {
  let running: RunningAzurite | undefined;
  beforeAll(async () => {
    running = await startAzurite();
  }, 30000);
  afterAll(async () => {
    await running?.stop();
  });
  return () => {
    if (!running) throw new Error('Azurite is not running: call useAzurite() at the top of the test file');
    return running;
  };
}
