import { existsSync, lstatSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
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

test('a symbolic link in the drop folder is neither uploaded nor followed', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'mailferry-drop-'));
  const elsewhere = path.join(mkdtempSync(path.join(tmpdir(), 'mailferry-private-')), 'api-key');
  writeFileSync(elsewhere, 'not-for-the-drop-folder');
  symlinkSync(elsewhere, path.join(folder, 'steal.csv'));
  const container = BlobServiceClient.fromConnectionString(storage().connectionString).getContainerClient(
    'drops-links',
  );
  const drop = startFolderDrop(folder, container, 50);
  try {
    // A regular file dropped after the link shows the scans have run past it.
    writeFileSync(path.join(folder, 'real.csv'), 'EmailAddress\r\nb@x.com\r\n');
    for (let i = 0; i < 100 && existsSync(path.join(folder, 'real.csv')); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(path.join(folder, 'real.csv'))).toBe(false);
    expect(await container.getBlobClient('steal.csv').exists()).toBe(false);
    expect(lstatSync(path.join(folder, 'steal.csv')).isSymbolicLink()).toBe(true);
    expect(readFileSync(elsewhere, 'utf8')).toBe('not-for-the-drop-folder');
  } finally {
    drop.stop();
  }
});
