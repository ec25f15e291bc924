import type { TableClient } from '@azure/data-tables';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { RegisteredFunction } from './core/registry';
import type { Invoker } from './invoker';
import { resolveSetting } from './settings';

/**
 * Feeds blob triggers by scanning their containers, as the host's LogsAndContainerScan source does
 * (Azurite emits no Event Grid events). A blob is handed to a function once per ETag: receipts are
 * kept in Table Storage so a restart does not trigger again. A failing blob is retried, then marked
 * poison after five attempts, like the host's poison queue.
 */
const MAX_ATTEMPTS = 5;

export interface BlobWatcherOptions {
  functions: RegisteredFunction[];
  blobService: BlobServiceClient;
  receipts: TableClient;
  invoker: Invoker;
  pollMs: number;
  extraInputsByType: () => Record<string, unknown>;
}

interface Watch {
  fn: RegisteredFunction;
  container: string;
  pattern: RegExp;
  paramNames: string[];
}

export class BlobWatcher {
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private stopped = false;
  private readonly watches: Watch[];
  private readonly attempts = new Map<string, number>();

  constructor(private readonly options: BlobWatcherOptions) {
    this.watches = options.functions.map((fn) => compileWatch(fn));
  }

  async start(): Promise<void> {
    if (!this.watches.length) return;
    await this.options.receipts.createTable();
    for (const w of this.watches)
      await this.options.blobService.getContainerClient(w.container).createIfNotExists();
    this.loop();
  }

  /** Scans now and resolves when every new blob has been handed to its function. */
  async scanNow(): Promise<void> {
    while (this.scanning) await this.scanning;
    this.scanning = this.scan().finally(() => (this.scanning = undefined));
    await this.scanning;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.scanning;
  }

  private loop(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.scanNow()
        .catch((e: unknown) =>
          console.error('blob watcher: scan failed:', e instanceof Error ? e.message : e),
        )
        .finally(() => this.loop());
    }, this.options.pollMs);
    this.timer.unref?.();
  }

  private async scan(): Promise<void> {
    for (const w of this.watches) {
      const container = this.options.blobService.getContainerClient(w.container);
      for await (const blob of container.listBlobsFlat({ includeMetadata: true })) {
        if (this.stopped) return;
        const m = w.pattern.exec(blob.name);
        if (!m) continue;
        const etag = blob.properties.etag ?? '';
        const receiptKey = encodeKey(blob.name);
        if (await this.hasReceipt(w.fn.name, receiptKey, etag)) continue;
        const params = Object.fromEntries(w.paramNames.map((n, i) => [n, m[i + 1] as string]));
        const client = container.getBlobClient(blob.name);
        const attemptKey = `${w.fn.name}/${blob.name}/${etag}`;
        try {
          const content = await client.downloadToBuffer();
          await this.options.invoker.invoke(w.fn, content, {
            triggerMetadata: {
              ...params,
              blobTrigger: `${w.container}/${blob.name}`,
              uri: client.url,
              properties: blob.properties,
              metadata: blob.metadata ?? {},
            },
            extraInputsByType: this.options.extraInputsByType(),
          });
          await this.writeReceipt(w.fn.name, receiptKey, etag, 'done');
          this.attempts.delete(attemptKey);
        } catch (e) {
          const n = (this.attempts.get(attemptKey) ?? 0) + 1;
          this.attempts.set(attemptKey, n);
          console.error(
            `blob trigger ${w.fn.name} failed on ${blob.name} (attempt ${n}):`,
            e instanceof Error ? e.message : e,
          );
          if (n >= MAX_ATTEMPTS) {
            await this.writeReceipt(w.fn.name, receiptKey, etag, 'poison');
            this.attempts.delete(attemptKey);
          }
        }
      }
    }
  }

  private async hasReceipt(fnName: string, key: string, etag: string): Promise<boolean> {
    try {
      const r = await this.options.receipts.getEntity<{ etag: string }>(encodeKey(fnName), key);
      return r.etag === etag;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return false;
      throw e;
    }
  }

  private async writeReceipt(fnName: string, key: string, etag: string, status: string): Promise<void> {
    await this.options.receipts.upsertEntity(
      { partitionKey: encodeKey(fnName), rowKey: key, etag, status, at: new Date().toISOString() },
      'Replace',
    );
  }
}

/** `container/prefix{name}.csv` → container + a regex over blob names with named parts. */
function compileWatch(fn: RegisteredFunction): Watch {
  const path = resolveSetting(String((fn.trigger as { path?: string }).path ?? ''));
  const slash = path.indexOf('/');
  const container = slash < 0 ? path : path.slice(0, slash);
  const blobPattern = slash < 0 ? '{name}' : path.slice(slash + 1);
  const paramNames: string[] = [];
  const source = blobPattern
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const p = /^\{([^}]+)\}$/.exec(part);
      if (!p) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      paramNames.push(p[1] as string);
      return p[1] === 'name' && part === blobPattern ? '(.+)' : '(.+?)';
    })
    .join('');
  return { fn, container, pattern: new RegExp(`^${source}$`), paramNames };
}

/** Table keys may not contain / \ # ? or control characters. */
function encodeKey(s: string): string {
  return Buffer.from(s).toString('base64url');
}
