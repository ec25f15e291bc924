import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startFolderDrop } from '../../local/folder-drop';
import { useAzurite } from '../../testing/jest/azurite';

const storage = useAzurite();

test('a file put into the drop folder moves into the container once it has stopped growing', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'mailferry-drop-'));
  const container = BlobServiceClient.fromConnectionString(storage().connectionString).getContainerClient(
    'drops',
  );
  const drop = startFolderDrop(folder, container, 50);
  try {
    writeFileSync(path.join(folder, 'wave.csv'), 'EmailAddress\r\na@x.com\r\n');
    let uploaded = false;
    for (let i = 0; i < 100 && !uploaded; i++) {
      await new Promise((r) => setTimeout(r, 50));
      uploaded = !existsSync(path.join(folder, 'wave.csv'));
    }
    expect(uploaded).toBe(true);
    const text = (await container.getBlobClient('wave.csv').downloadToBuffer()).toString();
    expect(text).toBe('EmailAddress\r\na@x.com\r\n');
  } finally {
    drop.stop();
  }
});
