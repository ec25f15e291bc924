import { folderMatcher } from '../../shared/mail/filters';
import { folderMapper, folderMapSchema, folderRulesSchema } from '../../shared/mail/folder-map';
import { mapFolders, type SourceFolder } from '../../shared/mail/folders';
import { parseOptions } from '../../shared/mail/settings';
import type { TargetCapabilities } from '../../shared/mail/target';

/** Explicit folder mapping per batch: where the administrator says a source folder goes. */

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
const f = (path: string, extra: Partial<SourceFolder> = {}): SourceFolder => ({
  path,
  delimiter: '.',
  selectable: true,
  ...extra,
});
const targets = (r: ReturnType<typeof mapFolders>): Record<string, string> =>
  Object.fromEntries(r.folders.map((x) => [x.source, x.target]));

describe('folder map', () => {
  const source = [
    f('INBOX', { role: 'inbox' }),
    f('INBOX.Old'),
    f('INBOX.Old.2019'),
    f('INBOX.Clients'),
    f('Sent', { role: 'sent' }),
  ];

  it('puts a named folder and its subfolders where the map says, with the target separator, and lists it', () => {
    const r = mapFolders(source, [], caps('.'), all, folderMapper({ 'Inbox/Old': 'Archive/Old' }));
    expect(targets(r)).toEqual({
      INBOX: 'INBOX',
      'INBOX.Old': 'Archive.Old',
      'INBOX.Old.2019': 'Archive.Old.2019',
      'INBOX.Clients': 'INBOX.Clients',
      Sent: 'Sent Items',
    });
    expect(r.renames).toEqual([
      { source: 'INBOX/Old', target: 'Archive.Old', reason: 'folder map of the batch' },
    ]);
  });

  it('applies the first matching rule to folders the map does not name; the map wins over rules', () => {
    const rules = [
      { match: '^INBOX/Clients$', to: 'Customers' },
      { match: '^INBOX/(.*)$', to: 'Legacy/$1' },
    ];
    const r = mapFolders(source, [], caps('/'), all, folderMapper({ 'INBOX/Old/2019': 'Years/2019' }, rules));
    expect(targets(r)).toEqual({
      INBOX: 'INBOX',
      'INBOX.Old': 'Legacy/Old',
      'INBOX.Old.2019': 'Years/2019',
      'INBOX.Clients': 'Customers',
      Sent: 'Sent Items',
    });
  });

  it('cleans names the target cannot hold and never lets two folders share a target', () => {
    const r = mapFolders(
      [f('A'), f('B')],
      [],
      caps('/'),
      all,
      folderMapper({ A: 'Archive/Odd*Name', B: 'Archive/Odd*Name' }),
    );
    expect(targets(r)).toEqual({ A: 'Archive/Odd_Name', B: 'Archive/Odd_Name (2)' });
  });

  it('excluded folders stay excluded even when mapped', () => {
    const r = mapFolders(
      source,
      [],
      caps('/'),
      folderMatcher([], ['INBOX/Old*']),
      folderMapper({ 'INBOX/Old': 'X' }),
    );
    expect(Object.keys(targets(r))).not.toContain('INBOX.Old');
    expect(r.excluded.map((e) => e.source)).toEqual(expect.arrayContaining(['INBOX/Old', 'INBOX/Old/2019']));
  });

  it('no map, no rules: no mapper at all, the default plan', () => {
    expect(folderMapper({}, [])).toBeUndefined();
  });

  it('refuses paths with empty segments and rules that do not compile, naming the fix', () => {
    const bad = folderMapSchema.safeParse({ 'Inbox//Old': 'Archive' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/segments separated by "\/"/);
    const rule = folderRulesSchema.safeParse([{ match: '^(Inbox', to: 'x' }]);
    expect(rule.success).toBe(false);
    expect(rule.error?.issues[0]?.path).toEqual([0, 'match']);
    expect(() => parseOptions({ folderMap: { '/Inbox': 'x' } })).toThrow(/options\.folderMap/);
  });
});
