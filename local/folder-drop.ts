import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import path from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';

/**
 * A local stand-in for uploading to a container: files put into a folder are moved into the
 * container (and removed from the folder, as they may hold secrets), where the blob trigger sees
 * them. A file is taken once it has stopped growing, so a half-copied file is never uploaded.
 * Only regular files are taken: a symbolic link is left alone (and never followed), so a link to
 * another file (another user's, the API key...) cannot be uploaded and deleted through the folder.
 */
export interface FolderDrop {
  folder: string;
  stop(): void;
}

export function startFolderDrop(folder: string, container: ContainerClient, pollMs = 1000): FolderDrop {
  mkdirSync(folder, { recursive: true });
  const sizes = new Map<string, number>();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void scan()
      .catch((e: unknown) => console.error(`drop folder ${folder}:`, e instanceof Error ? e.message : e))
      .finally(() => (busy = false));
  }, pollMs);
  timer.unref();

  async function scan(): Promise<void> {
    for (const name of readdirSync(folder)) {
      const file = path.join(folder, name);
      const stat = lstatSync(file);
      if (!stat.isFile() || name.startsWith('.')) continue;
      if (sizes.get(name) !== stat.size) {
        sizes.set(name, stat.size); // still being written, or new: look again next time
        continue;
      }
      sizes.delete(name);
      const content = readRegularFile(file);
      if (!content) continue;
      await container.createIfNotExists();
      await container.getBlockBlobClient(name).uploadData(content);
      rmSync(file, { force: true });
    }
  }

  return { folder, stop: () => clearInterval(timer) };
}

/** The file's bytes, or undefined if it became a link (O_NOFOLLOW) or something else meanwhile. */
function readRegularFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    if (['ELOOP', 'ENOENT'].includes((e as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw e;
  }
  try {
    return fstatSync(fd).isFile() ? readFileSync(fd) : undefined;
  } finally {
    closeSync(fd);
  }
}
