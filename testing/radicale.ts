import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net';

/**
 * A real Radicale 3 (Debian `radicale`) for tests and the benchmark: its own config and storage
 * under a temp folder, plain HTTP on a free loopback port, `[auth] type = none` (any user name logs
 * in as itself, with any password). Seeding goes over HTTP like any client would: MKCOL/MKCALENDAR
 * for collections, PUT for .ics/.vcf resources.
 */

export interface RunningRadicale {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  port: number;
  root: string;
  /** Creates a calendar (`kind: 'calendar'`) or an address book under `/{user}/{name}/`. */
  makeCollection(
    user: string,
    name: string,
    kind: 'calendar' | 'contacts',
    displayName?: string,
  ): Promise<string>;
  /** PUTs one resource; returns its ETag. */
  put(path: string, body: string, contentType?: string): Promise<string>;
  remove(path: string): Promise<void>;
  stop(): Promise<void>;
}

const RADICALE_BIN = process.env.RADICALE_BIN ?? '/usr/bin/radicale';

const basic = (user: string) => `Basic ${Buffer.from(`${user}:x`).toString('base64')}`;
const userOf = (path: string) => path.replace(/^\/+/, '').split('/')[0] ?? '';

export async function startRadicale(): Promise<RunningRadicale> {
  const root = mkdtempSync(join(tmpdir(), 'radicale-'));
  const port = await freePort();
  const storage = join(root, 'collections');
  mkdirSync(storage, { recursive: true });
  const config = join(root, 'config');
  writeFileSync(
    config,
    [
      '[server]',
      `hosts = 127.0.0.1:${port}`,
      '[auth]',
      'type = none',
      '[rights]',
      'type = owner_only',
      '[storage]',
      `filesystem_folder = ${storage}`,
      '[logging]',
      'level = warning',
      'mask_passwords = True',
      '[web]',
      'type = none',
      '',
    ].join('\n'),
  );
  const proc: ChildProcess = spawn(RADICALE_BIN, ['--config', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  proc.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`Radicale exited (${proc.exitCode}): ${log}`);
    const up = await fetch(`${url}.well-known/caldav`, { redirect: 'manual' })
      .then(() => true)
      .catch(() => false);
    if (up) break;
    if (Date.now() > deadline) throw new Error(`Radicale did not answer on port ${port}: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }

  async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
    const res = await fetch(new URL(path, url), {
      method,
      headers: { authorization: basic(userOf(path)), ...headers },
      body,
    });
    if (!res.ok) throw new Error(`Radicale ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return res;
  }

  return {
    url,
    port,
    root,
    async makeCollection(user, name, kind, displayName) {
      const path = `/${user}/${name}/`;
      // The principal collection appears on the user's first request; PROPFIND makes it exist.
      await call('PROPFIND', `/${user}/`, undefined, { depth: '0' });
      const type =
        kind === 'calendar'
          ? '<resourcetype><collection/><C:calendar/></resourcetype>'
          : '<resourcetype><collection/><CR:addressbook/></resourcetype>';
      await call(
        'MKCOL',
        path,
        `<?xml version="1.0"?><mkcol xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CR="urn:ietf:params:xml:ns:carddav"><set><prop>${type}<displayname>${displayName ?? name}</displayname></prop></set></mkcol>`,
        { 'content-type': 'application/xml' },
      );
      return path;
    },
    async put(path, body, contentType) {
      const type = contentType ?? (path.endsWith('.vcf') ? 'text/vcard' : 'text/calendar');
      const res = await call('PUT', path, body, { 'content-type': `${type}; charset=utf-8` });
      return res.headers.get('etag') ?? '';
    },
    async remove(path) {
      await call('DELETE', path);
    },
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
