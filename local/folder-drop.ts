import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';

/**
 * A local stand-in for uploading to a container: files put into a folder are moved into the
 * container (and removed from the folder, as they may hold secrets), where the blob trigger sees
 * them. A file is taken once it has stopped growing, so a half-copied file is never uploaded.
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
      const stat = statSync(file);
      if (!stat.isFile() || name.startsWith('.')) continue;
      if (sizes.get(name) !== stat.size) {
        sizes.set(name, stat.size); // still being written, or new: look again next time
        continue;
      }
      sizes.delete(name);
      const content = readFileSync(file);
      await container.createIfNotExists();
      await container.getBlockBlobClient(name).uploadData(content);
      rmSync(file, { force: true });
    }
  }

  return { folder, stop: () => clearInterval(timer) };
}
