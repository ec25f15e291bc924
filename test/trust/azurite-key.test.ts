import { AzureNamedKeyCredential, TableServiceClient } from '@azure/data-tables';
import { startAzurite } from '../../local/azurite';

/** The embedded storage answers only to this run's random key, and stops at once. */
const PUBLISHED_DEV_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

test('Azurite refuses the published development key and accepts the connection string it printed', async () => {
  const storage = await startAzurite();
  try {
    expect(storage.connectionString).not.toContain(PUBLISHED_DEV_KEY);
    expect(storage.connectionString).toContain(`AccountKey=${storage.accountKey};`);
    const mine = TableServiceClient.fromConnectionString(storage.connectionString, {
      allowInsecureConnection: true,
    });
    await mine.createTable('granted');
    const outsider = new TableServiceClient(
      storage.tableEndpoint,
      new AzureNamedKeyCredential('devstoreaccount1', PUBLISHED_DEV_KEY),
      { allowInsecureConnection: true },
    );
    await expect(outsider.createTable('refused')).rejects.toMatchObject({ statusCode: 403 });
    // Nor does a request without any key list what is stored.
    expect((await fetch(`${storage.blobEndpoint}?comp=list`)).status).toBe(403);
  } finally {
    await storage.stop();
  }
}, 30000);

test('stopping Azurite takes well under its old 1.5 s exit timer', async () => {
  const storage = await startAzurite();
  const started = Date.now();
  await storage.stop();
  expect(Date.now() - started).toBeLessThan(700);
}, 30000);
