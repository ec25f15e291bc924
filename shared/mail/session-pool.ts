import { createHash } from 'node:crypto';
import { SESSION_POOL_IDLE_MS, SESSION_POOL_MAX_IDLE } from './limits';
import type { ImapEndpoint, MailboxLogin } from './settings';

/**
 * A per-process pool of logged-in IMAP connections (an ImapSource, an ImapTarget), keyed by side,
 * endpoint and mailbox login, so that the chunk activities of one mailbox that run one after
 * another in this process reuse one login instead of logging in on every call. A fresh activity on
 * another worker simply logs in.
 *
 * - Borrowed connections are never shared: two calls of one mailbox at once get two connections.
 * - Before reuse, a health check (NOOP): a connection that dropped or was kicked is closed and
 *   discarded, never reused; the caller then logs in anew.
 * - Idle connections close after SESSION_POOL_IDLE_MS; at most SESSION_POOL_MAX_IDLE are kept;
 *   all close when the process is about to exit (`beforeExit`) or on `closeSessionPool()`.
 */
export interface Poolable {
  /** NOOP on every connection: false when any of them is gone. */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

interface Idle {
  key: string;
  item: Poolable;
  timer: NodeJS.Timeout;
}

const idle: Idle[] = [];
let exitHook = false;

/**
 * The pool key. The secret is part of the identity (a changed password must log in again) but
 * only as a hash: the pool holds no password. Token logins are keyed by the mailbox alone.
 */
export function poolKey(side: 'source' | 'target', endpoint: ImapEndpoint, login: MailboxLogin): string {
  const secret = login.password ? createHash('sha256').update(login.password).digest('hex') : 'token';
  return JSON.stringify([side, endpoint, login.email, login.userName ?? '', secret]);
}

/** A healthy idle connection for `key`, or a new one from `open`. */
export async function borrow<T extends Poolable>(key: string, open: () => Promise<T>): Promise<T> {
  for (;;) {
    const at = findLast(key);
    if (at < 0) return open();
    const [entry] = idle.splice(at, 1);
    if (!entry) return open();
    clearTimeout(entry.timer);
    const ok = await entry.item.healthy().catch(() => false);
    if (ok) return entry.item as T;
    await entry.item.close().catch(() => undefined);
  }
}

/** Back to the pool for the next call of the same mailbox (closed when it can no longer be used). */
export async function giveBack(key: string, item: Poolable, usable: boolean): Promise<void> {
  if (!usable) {
    await item.close().catch(() => undefined);
    return;
  }
  hookExit();
  const timer = setTimeout(() => {
    const at = idle.findIndex((e) => e.item === item);
    if (at >= 0) idle.splice(at, 1);
    void item.close().catch(() => undefined);
  }, SESSION_POOL_IDLE_MS);
  timer.unref();
  idle.push({ key, item, timer });
  while (idle.length > SESSION_POOL_MAX_IDLE) {
    const oldest = idle.shift();
    if (!oldest) break;
    clearTimeout(oldest.timer);
    await oldest.item.close().catch(() => undefined);
  }
}

/** Closes every idle connection (process shutdown, tests). */
export async function closeSessionPool(): Promise<void> {
  const all = idle.splice(0);
  for (const e of all) clearTimeout(e.timer);
  await Promise.all(all.map((e) => e.item.close().catch(() => undefined)));
}

/** Idle connections in the pool (diagnostics and tests). */
export function idleSessions(): number {
  return idle.length;
}

function findLast(key: string): number {
  for (let i = idle.length - 1; i >= 0; i--) if (idle[i]?.key === key) return i;
  return -1;
}

function hookExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('beforeExit', () => void closeSessionPool());
}
