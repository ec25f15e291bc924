import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  utimesSync,
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { freePort } from '../net';

/**
 * An unprivileged Dovecot 2.3 instance for tests and the benchmark: its own config, state and mail
 * under a temp folder, plain IMAP on a free loopback port, users in a passwd-file that can grow while
 * it runs (Dovecot re-reads the file when it changes), and a master user for `user*admin` proxy
 * logins. It lives here rather than under test/ because bench/ (compiled without test/) starts it too.
 */

export interface DovecotOptions {
  /** Master (admin) user for proxy logins `user*admin`; default admin/adminpw. */
  admin?: { user: string; password: string };
  /** Extra raw config lines appended at the end (e.g. `mail_fsync = never` in the benchmark). */
  extraConfig?: string[];
  /** Special-use folders of the inbox namespace, name → attribute (`\\Sent`), created automatically. */
  specialUse?: Record<string, string>;
  /** Connections per user and address (Dovecot default 10). */
  maxUserIpConnections?: number;
  /**
   * Serve TLS with this certificate (PEM files): STARTTLS on `port` and implicit TLS on `tlsPort`.
   * Without it Dovecot speaks plain IMAP only.
   */
  tls?: { certFile: string; keyFile: string };
  /** Folder to create the instance's root in (default the OS temp folder). */
  parentDir?: string;
}

export interface RunningDovecot {
  host: string;
  port: number;
  /** Implicit TLS (imaps) port, when started with `tls`. */
  tlsPort?: number;
  admin: { user: string; password: string };
  /** Mail root; each user's Maildir is under `<root>/home/<user>/Maildir`. */
  root: string;
  /** The master process (its per-connection imap processes are its children). */
  pid: number | undefined;
  addUser(user: string, password: string): void;
  /** Runs `doveadm` against this instance (e.g. `mailbox update --uid-validity`). */
  doveadm(...args: string[]): string;
  stop(): Promise<void>;
}

const DOVECOT_BIN = process.env.DOVECOT_BIN ?? '/usr/sbin/dovecot';
const DOVEADM_BIN = process.env.DOVEADM_BIN ?? '/usr/bin/doveadm';

/** uid/gid that owns the mail: `mail` (8) when we are root, ourselves otherwise. */
function mailOwner(): { uid: number; gid: number } {
  const me = userInfo();
  return me.uid === 0 ? { uid: 8, gid: 8 } : { uid: me.uid, gid: me.gid };
}

async function waitForGreeting(port: number, deadline: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('* OK'));
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`Dovecot did not answer on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startDovecot(options: DovecotOptions = {}): Promise<RunningDovecot> {
  const admin = options.admin ?? { user: 'admin', password: 'adminpw' };
  const root = mkdtempSync(join(options.parentDir ?? tmpdir(), 'mailferry-dovecot-'));
  chmodSync(root, 0o755);
  const owner = mailOwner();
  const asRoot = userInfo().uid === 0;
  const home = join(root, 'home');
  mkdirSync(home);
  if (asRoot) chownSync(home, owner.uid, owner.gid);
  const users = join(root, 'users');
  const masters = join(root, 'masters');
  writeFileSync(users, '');
  writeFileSync(masters, `${admin.user}:{PLAIN}${admin.password}\n`);
  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : 0;
  const me = userInfo().username;
  const conf = [
    `base_dir = ${root}/run`,
    `state_dir = ${root}/state`,
    `log_path = ${root}/dovecot.log`,
    `info_log_path = ${root}/dovecot.log`,
    'protocols = imap',
    'listen = 127.0.0.1',
    ...(options.tls
      ? ['ssl = yes', `ssl_cert = <${options.tls.certFile}`, `ssl_key = <${options.tls.keyFile}`]
      : ['ssl = no']),
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain login',
    'auth_master_user_separator = *',
    `default_login_user = ${asRoot ? 'dovenull' : me}`,
    `default_internal_user = ${asRoot ? 'dovecot' : me}`,
    'mail_location = maildir:~/Maildir',
    `first_valid_uid = ${Math.min(owner.uid, 1)}`,
    `mail_max_userip_connections = ${options.maxUserIpConnections ?? 40}`,
    'passdb {',
    '  driver = passwd-file',
    `  args = ${masters}`,
    '  master = yes',
    '  pass = yes',
    '}',
    'passdb {',
    '  driver = passwd-file',
    `  args = ${users}`,
    '}',
    'userdb {',
    '  driver = passwd-file',
    `  args = ${users}`,
    '}',
    'service imap-login {',
    '  inet_listener imap {',
    `    port = ${port}`,
    '  }',
    '  inet_listener imaps {',
    `    port = ${tlsPort}`,
    '  }',
    '}',
    'namespace inbox {',
    '  inbox = yes',
    '  separator = /',
    ...Object.entries(options.specialUse ?? {}).flatMap(([name, use]) => [
      `  mailbox "${name}" {`,
      '    auto = subscribe',
      `    special_use = ${use}`,
      '  }',
    ]),
    '}',
    ...(options.extraConfig ?? []),
    '',
  ].join('\n');
  const confPath = join(root, 'dovecot.conf');
  let stamp = 0;
  writeFileSync(confPath, conf);
  const child: ChildProcess = spawn(DOVECOT_BIN, ['-F', '-c', confPath], { stdio: 'ignore' });
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    await waitForGreeting(port, Date.now() + 15000);
  } catch (e) {
    child.kill('SIGTERM');
    throw e;
  }
  return {
    host: '127.0.0.1',
    port,
    ...(options.tls ? { tlsPort } : {}),
    admin,
    root,
    pid: child.pid,
    addUser(user: string, password: string): void {
      const dir = join(home, user);
      appendFileSync(users, `${user}:{PLAIN}${password}:${owner.uid}:${owner.gid}::${dir}::\n`);
      // Dovecot re-reads the file when its mtime (whole seconds) changes: move it on every time.
      stamp = Math.max(stamp + 1, Math.floor(Date.now() / 1000));
      utimesSync(users, stamp, stamp);
    },
    doveadm(...args: string[]): string {
      return execFileSync(DOVEADM_BIN, ['-c', confPath, ...args], { encoding: 'utf8' });
    },
    async stop(): Promise<void> {
      if (!exited) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
