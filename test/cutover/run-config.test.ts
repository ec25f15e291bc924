import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cutoverOptions, directoryRequest, loadRunConfig } from '../../cli/run/config';

/** `mailferry run`'s config takes a directory and the cutover batch options; mistakes name the field. */
const dir = mkdtempSync(path.join(tmpdir(), 'mailferry-runcfg-'));
const imap = { type: 'imap', host: '127.0.0.1', port: 143, security: 'none' };
function write(config: object): string {
  const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

test('a directory becomes an ldap endpoint (password apart) and the batch gets its options', () => {
  const config = loadRunConfig(
    write({
      source: imap,
      target: imap,
      directory: {
        type: 'ldap',
        url: 'ldaps://dc1.contoso.local',
        bindDn: 'CN=mailferry,DC=contoso,DC=local',
        password: { env: 'DIR_PW' },
        baseDn: 'DC=contoso,DC=local',
      },
      forwardingDomain: 'contoso.mail.onmicrosoft.com',
      setForwarding: true,
    }),
    { DIR_PW: 'directory-secret' },
  );
  expect(directoryRequest('directory', config, { DIR_PW: 'directory-secret' })).toEqual({
    name: 'directory',
    type: 'ldap',
    settings: {
      url: 'ldaps://dc1.contoso.local',
      bindDn: 'CN=mailferry,DC=contoso,DC=local',
      baseDn: 'DC=contoso,DC=local',
    },
    password: 'directory-secret',
  });
  expect(cutoverOptions(config, 'directory')).toEqual({
    directory: 'directory',
    forwardingDomain: 'contoso.mail.onmicrosoft.com',
    setForwarding: true,
  });
});

test('a missing password variable and a bad url are bad input naming the field', () => {
  const base = { type: 'ldap', url: 'ldap://dc1', bindDn: 'x', baseDn: 'y', password: { env: 'NOPE_PW' } };
  expect(() => loadRunConfig(write({ source: imap, target: imap, directory: base }), {})).toThrow(
    /directory\.password\.env: the environment variable NOPE_PW is not set/,
  );
  expect(() =>
    loadRunConfig(
      write({ source: imap, target: imap, directory: { ...base, url: 'dc1:389', password: 'p' } }),
      {},
    ),
  ).toThrow(/directory\.url/);
});
