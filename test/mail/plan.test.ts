import { folderMatcher } from '../../shared/mail/filters';
import { mapFolders, type SourceFolder } from '../../shared/mail/folders';
import { loginName } from '../../shared/mail/login';
import { parseEndpoint, parseOptions } from '../../shared/mail/settings';
import { MailErrorCode, throttleDelayMs } from '../../shared/mail/errors';
import { withRetry } from '../../shared/mail/retry';
import { messageIdOf } from '../../shared/mail/source';
import type { TargetCapabilities } from '../../shared/mail/target';

/** The pure parts of the engine: folder mapping, filters, login formats, throttling replies. */

const caps = (delimiter = '/'): TargetCapabilities => ({
  delimiter,
  maxMessageBytes: 35 * 1024 * 1024,
  appendConcurrency: 1,
  appendBatch: 50,
  returnsIds: true,
  // eslint-disable-next-line no-control-regex
  illegalNameChars: /[\u0000-\u001f\u007f*%]/g,
});
const all = folderMatcher([], []);
const f = (path: string, extra: Partial<SourceFolder> = {}, delimiter = '.'): SourceFolder => ({
  path,
  delimiter,
  selectable: true,
  ...extra,
});

describe('folder plan', () => {
  it('maps special-use folders by role, children under their mapped parent, with the target separator', () => {
    const r = mapFolders(
      [
        f('INBOX', { role: 'inbox' }),
        f('INBOX.Clients'),
        f('Gesendet', { role: 'sent' }),
        f('Gesendet.2019'),
        f('Müll', { role: 'trash' }),
      ],
      [{ path: 'Sent Items', role: 'sent' }],
      caps('/'),
      all,
    );
    expect(r.folders.map((x) => [x.source, x.target])).toEqual([
      ['Gesendet', 'Sent Items'],
      ['Gesendet.2019', 'Sent Items/2019'],
      ['INBOX', 'INBOX'],
      ['INBOX.Clients', 'INBOX/Clients'],
      ['Müll', 'Deleted Items'],
    ]);
    expect(r.renames).toEqual([]);
  });

  it('renames names the target cannot hold, predictably, and lists every rename', () => {
    const r = mapFolders(
      [f('Reports 2020/21'), f('Reports 2020_21'), f('Odd*Name'), f('  ')],
      [],
      caps('/'),
      all,
    );
    const target = Object.fromEntries(r.folders.map((x) => [x.source, x.target]));
    expect(target).toEqual({
      'Reports 2020/21': 'Reports 2020_21',
      'Reports 2020_21': 'Reports 2020_21 (2)',
      'Odd*Name': 'Odd_Name',
      '  ': '_',
    });
    expect(r.renames.map((x) => x.source).sort()).toEqual(
      ['  ', 'Odd*Name', 'Reports 2020/21', 'Reports 2020_21'].sort(),
    );
  });

  it('keeps non-ASCII names and leaves virtual folders out', () => {
    const r = mapFolders(
      [f('Ünïcode', {}, '/'), f('[Gmail]/All Mail', { virtual: true }, '/')],
      [],
      caps('.'),
      all,
    );
    expect(r.folders.map((x) => x.target)).toEqual(['Ünïcode']);
    expect(r.excluded).toEqual([{ source: '[Gmail]/All Mail', reason: expect.stringContaining('virtual') }]);
  });

  it('applies include and exclude filters (glob or /regex/) to the path written with /', () => {
    const r = mapFolders(
      [f('INBOX', { role: 'inbox' }), f('Archive.2019'), f('Archive.2020'), f('Spam')],
      [],
      caps(),
      folderMatcher(['INBOX', 'Archive/*'], ['/2019$/']),
    );
    expect(r.folders.map((x) => x.source)).toEqual(['Archive.2020', 'INBOX']);
    expect(r.excluded.map((x) => x.source).sort()).toEqual(['Archive/2019', 'Spam']);
  });
});

describe('settings and logins', () => {
  const endpoint = (loginFormat: string) =>
    parseEndpoint({ host: 'mail.example.test', admin: { user: 'migadmin', loginFormat } }, 'source');

  it('builds Dovecot and Exchange proxy logins, and uses per-user credentials when the row has them', () => {
    const login = { email: 'jane.doe@contoso.test', password: 'x' };
    expect(loginName(endpoint('{user}*{admin}'), login)).toBe('jane.doe@contoso.test*migadmin');
    expect(loginName(endpoint('{domain}/{admin}/{alias}'), login)).toBe('contoso.test/migadmin/jane.doe');
    expect(loginName(parseEndpoint({ host: 'h' }, 'source'), { ...login, userName: 'jdoe' })).toBe('jdoe');
  });

  it('names the field and the fix for bad settings', () => {
    expect(() => parseEndpoint({ host: 'h', security: 'ssl' }, 'target')).toThrow(/target\.security/);
    expect(() => endpoint('{user}')).toThrow(/loginFormat must contain \{admin\}/);
    expect(() => parseOptions({ badItemLimit: -1 })).toThrow(/options\.badItemLimit/);
    expect(() => folderMatcher(['/[/'], [])).toThrow(/options\.include\[0\]/);
  });
});

describe('server replies', () => {
  it('reads the backoff Exchange suggests and recognises [THROTTLED]', () => {
    expect(
      throttleDelayMs({ responseText: 'Request is throttled. Suggested Backoff Time: 299961 milliseconds' }),
    ).toBe(299961);
    expect(throttleDelayMs({ code: 'ETHROTTLE', throttleReset: 5000, throttleWaited: 2000 })).toBe(3000);
    expect(throttleDelayMs({ responseText: '[THROTTLED] Too many commands' })).toBe(0);
    expect(throttleDelayMs({ responseText: 'Mailbox does not exist' })).toBeUndefined();
  });

  it('reads a folded Message-ID header and none when absent', () => {
    expect(messageIdOf(Buffer.from('Message-ID:\r\n <abc@x.test>\r\n\r\n'))).toBe('<abc@x.test>');
    expect(messageIdOf(Buffer.from('\r\n'))).toBeUndefined();
  });
});

describe('throttling and dropped connections', () => {
  it('waits as told, reconnects and carries on', async () => {
    let calls = 0;
    let reconnects = 0;
    const result = await withRetry(
      'APPEND',
      async () => {
        calls++;
        if (calls === 1)
          throw { responseText: 'Request is throttled. Suggested Backoff Time: 20 milliseconds' };
        if (calls === 2) throw Object.assign(new Error('Connection closed'), { code: 'EConnectionClosed' });
        return 'stored';
      },
      async () => {
        reconnects++;
      },
    );
    expect(result).toBe('stored');
    expect(reconnects).toBe(2);
  }, 10000);

  it('hands a long backoff to the caller (a durable timer) instead of sleeping through it', async () => {
    const err = await withRetry(
      'APPEND',
      () =>
        Promise.reject({ responseText: 'Request is throttled. Suggested Backoff Time: 299961 milliseconds' }),
      async () => undefined,
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: MailErrorCode.throttled, details: { retryAfterMs: 299961 } });
  });

  it('passes other errors through at once', async () => {
    const err = await withRetry(
      'APPEND',
      () => Promise.reject(new Error('NO mailbox is full')),
      async () => undefined,
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe('NO mailbox is full');
  });
});
