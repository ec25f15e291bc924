import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { checkSecretName, checkSecretValue, secretError, type SecretStore } from './store';

/** File names under the data folder, the cipher and the layout of the encrypted file. */
export const SECRETS_FILE = 'secrets.json.enc';
export const KEY_FILE = 'secret.key';
const KEY_BYTES = 32; // AES-256
const IV_BYTES = 12; // GCM's recommended nonce length; a fresh one for every write
const TAG_BYTES = 16;
const MAGIC = Buffer.from('MFSECRETS\u0001', 'latin1'); // format name + version, also the GCM additional data
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

const payloadSchema = z.object({ secrets: z.record(z.string(), z.string()) });

export interface LocalSecretStoreOptions {
  /** The data folder; the key and the encrypted file live directly in it. */
  dataDir: string;
}

interface Operation<T> {
  run(secrets: Map<string, string>): { result: T; changed: boolean };
  resolve(value: T): void;
  reject(err: unknown): void;
}

/**
 * Secrets in one AES-256-GCM encrypted JSON file (DATA/secrets.json.enc) with a random key made on
 * first use (DATA/secret.key), both mode 0600. Writes go to a temp file that is renamed over the old
 * one, so a crash leaves either the old or the new file, never half of one.
 *
 * Concurrency: operations queue up and run in order; all operations waiting while a write is in
 * progress are applied together and saved with one write (group commit), so 50 concurrent `set`
 * calls cost a couple of file writes, not 50. Another process writing the same folder is noticed
 * (file identity, size, mtime) and re-read before the next operation; two processes writing at the
 * same moment are not coordinated: run one writer per data folder.
 */
export class LocalSecretStore implements SecretStore {
  readonly keyPath: string;
  readonly filePath: string;
  private key: Buffer | undefined;
  private secrets = new Map<string, string>();
  /** Identity of the file the map was loaded from or last written to; undefined before the first load. */
  private stamp: string | undefined;
  private queue: Operation<unknown>[] = [];
  private draining = false;

  constructor(options: LocalSecretStoreOptions) {
    this.keyPath = path.join(options.dataDir, KEY_FILE);
    this.filePath = path.join(options.dataDir, SECRETS_FILE);
  }

  /** Creates the key now (it is otherwise created on first use) and checks that the file decrypts. */
  async init(): Promise<void> {
    await this.enqueue(() => ({ result: undefined, changed: false }));
  }

  async set(name: string, value: string): Promise<void> {
    return this.setMany([[name, value]]);
  }

  async setMany(entries: ReadonlyArray<readonly [string, string]>): Promise<void> {
    for (const [name, value] of entries) {
      checkSecretName(name);
      checkSecretValue(name, value);
    }
    return this.enqueue((secrets) => {
      for (const [name, value] of entries) secrets.set(name, value);
      return { result: undefined, changed: entries.length > 0 };
    });
  }

  async get(name: string): Promise<string | undefined> {
    checkSecretName(name);
    return this.enqueue((secrets) => ({ result: secrets.get(name), changed: false }));
  }

  async delete(name: string): Promise<boolean> {
    checkSecretName(name);
    return this.enqueue((secrets) => {
      const had = secrets.delete(name);
      return { result: had, changed: had };
    });
  }

  async deletePrefix(prefix: string): Promise<number> {
    if (prefix.length === 0)
      throw secretError('SECRET_NAME_INVALID', 'deletePrefix needs a non-empty prefix.');
    return this.enqueue((secrets) => {
      let n = 0;
      for (const name of [...secrets.keys()]) if (name.startsWith(prefix) && secrets.delete(name)) n++;
      return { result: n, changed: n > 0 };
    });
  }

  private enqueue<T>(run: Operation<T>['run']): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve, reject } as Operation<unknown>);
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0);
        try {
          await this.refresh();
          // Apply to a copy: if the write fails, memory still matches the file.
          const next = new Map(this.secrets);
          let changed = false;
          const results = group.map((op) => {
            const r = op.run(next);
            changed ||= r.changed;
            return r.result;
          });
          if (changed) {
            await this.write(next);
            this.secrets = next;
          }
          group.forEach((op, i) => op.resolve(results[i]));
        } catch (err) {
          group.forEach((op) => op.reject(err));
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** Loads the key (creating it on first start) and re-reads the file if it changed since we saw it. */
  private async refresh(): Promise<void> {
    const key = await this.loadKey();
    const stat = await fs.stat(this.filePath).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    const stamp = stat ? `${stat.ino}:${stat.size}:${stat.mtimeMs}` : 'absent';
    if (stamp === this.stamp) return;
    this.secrets = stat ? decrypt(await fs.readFile(this.filePath), key, this.filePath) : new Map();
    this.stamp = stamp;
  }

  private async loadKey(): Promise<Buffer> {
    if (this.key) return this.key;
    let text: string;
    try {
      text = await fs.readFile(this.keyPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (await exists(this.filePath)) {
        // A new key would make every stored secret unreadable and then overwrite them: refuse.
        throw secretError(
          'SECRET_KEY_MISSING',
          `${this.filePath} exists but its key ${this.keyPath} is missing. Restore the key file from backup, or move the secrets file away to start empty.`,
          { keyPath: this.keyPath },
        );
      }
      text = await createKeyFile(this.keyPath);
    }
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== KEY_BYTES || key.toString('base64') !== text.trim()) {
      throw secretError(
        'SECRET_KEY_INVALID',
        `${this.keyPath} does not hold a ${KEY_BYTES}-byte base64 key. Restore it from backup.`,
        { keyPath: this.keyPath },
      );
    }
    await fs.chmod(this.keyPath, FILE_MODE);
    this.key = key;
    return key;
  }

  private async write(secrets: Map<string, string>): Promise<void> {
    const key = await this.loadKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(MAGIC);
    const plain = Buffer.from(JSON.stringify({ secrets: Object.fromEntries(secrets) }), 'utf8');
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    plain.fill(0);
    const data = Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
    await writeAtomically(this.filePath, data);
    const stat = await fs.stat(this.filePath);
    this.stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  }
}

function decrypt(data: Buffer, key: Buffer, filePath: string): Map<string, string> {
  const unreadable = (why: string) =>
    secretError(
      'SECRET_STORE_UNREADABLE',
      `${filePath} cannot be read: ${why}. Restore it and its key (secret.key) from the same backup.`,
      { filePath },
    );
  if (data.length < MAGIC.length + IV_BYTES + TAG_BYTES || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw unreadable('it is not a mailferry secrets file of this version');
  }
  const iv = data.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
  const tag = data.subarray(MAGIC.length + IV_BYTES, MAGIC.length + IV_BYTES + TAG_BYTES);
  const body = data.subarray(MAGIC.length + IV_BYTES + TAG_BYTES);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(MAGIC);
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw unreadable('the key does not match or the file was altered');
  }
  let parsed: z.infer<typeof payloadSchema>;
  try {
    parsed = payloadSchema.parse(JSON.parse(plain.toString('utf8')));
  } catch {
    throw unreadable('its content is not in the expected shape');
  } finally {
    plain.fill(0);
  }
  return new Map(Object.entries(parsed.secrets));
}

async function createKeyFile(keyPath: string): Promise<string> {
  await fs.mkdir(path.dirname(keyPath), { recursive: true, mode: DIR_MODE });
  const text = `${randomBytes(KEY_BYTES).toString('base64')}\n`;
  try {
    // 'wx': if another process made the key a moment ago, use theirs rather than overwrite it.
    await fs.writeFile(keyPath, text, { flag: 'wx', mode: FILE_MODE });
    return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFile(keyPath, 'utf8');
    throw err;
  }
}

async function writeAtomically(filePath: string, data: Buffer): Promise<void> {
  const dir = path.dirname(filePath);
  await fs.mkdir(dir, { recursive: true, mode: DIR_MODE });
  const temp = path.join(
    dir,
    `.${path.basename(filePath)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const handle = await fs.open(temp, 'wx', FILE_MODE);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.chmod(temp, FILE_MODE); // in case a umask or ACL widened it
    await fs.rename(temp, filePath);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
  // Make the rename itself durable; not every platform lets a directory be fsynced.
  const dirHandle = await fs.open(dir, 'r').catch(() => undefined);
  await dirHandle?.sync().catch(() => undefined);
  await dirHandle?.close();
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}
