import { resolveDateOrAge, resolveDateWindow } from '../../shared/plan/date-window';
import { batchOptionsInputSchema, batchOptionsSchema, mergeBatchOptions } from '../../shared/state/model';

/**
 * The batch options that shape a pass: a date or an age for since/before (an age counted back from
 * each pass's start, so "older than 90 days" stays relative), folder mapping, mirroring deletions;
 * every refusal names the field and the fix, and a PATCH changes only what it sends.
 */
const DAY = 86_400_000;

describe('date window', () => {
  it('an age is counted back from the start of each pass, so a later pass reaches later mail', () => {
    const first = new Date('2026-03-01T10:00:00Z');
    const final = new Date('2026-04-15T10:00:00Z');
    expect(resolveDateOrAge('90d', first).toISOString()).toBe('2025-12-01T10:00:00.000Z');
    expect(resolveDateOrAge('90d', final).getTime()).toBe(final.getTime() - 90 * DAY);
    expect(resolveDateOrAge('2w', first).getTime()).toBe(first.getTime() - 14 * DAY);
  });

  it('a calendar date is midnight UTC and does not move; a timestamp keeps its offset', () => {
    const w = resolveDateWindow({ since: '2024-01-31', before: '2025-06-01T12:00:00+02:00' }, new Date());
    expect(w.since?.toISOString()).toBe('2024-01-31T00:00:00.000Z');
    expect(w.before?.toISOString()).toBe('2025-06-01T10:00:00.000Z');
    expect(resolveDateWindow({}, new Date())).toEqual({});
  });
});

describe('batch options', () => {
  it('takes since/before, a folder map, rules and mirroring; defaults leave everything as before', () => {
    const o = batchOptionsInputSchema.parse({
      before: '90d',
      since: '2015-01-01',
      folderMap: { 'Inbox/Old': 'Archive/Old' },
      folderRules: [{ match: '^Public/(.*)$', to: 'Shared/$1' }],
      mirrorDeletions: true,
    });
    expect(o).toMatchObject({ before: '90d', since: '2015-01-01', mirrorDeletions: true });
    expect(batchOptionsInputSchema.parse({})).toMatchObject({
      folderMap: {},
      folderRules: [],
      mirrorDeletions: false,
    });
    expect(batchOptionsInputSchema.parse({}).before).toBeUndefined();
  });

  it.each([
    [{ before: '90 days' }, 'before', /90d/],
    [{ since: '2024-13-01' }, 'since', /2024-01-31/],
    [{ since: '999999d' }, 'since', /ages up to/],
    [{ since: '2025-01-01', before: '2024-01-01' }, 'before', /must be later than since/],
    [{ folderMap: { 'Inbox/': 'x' } }, 'folderMap.Inbox/', /segments separated by "\/"/],
    [{ folderMap: { a: '' } }, 'folderMap.a', /./],
    [{ folderRules: [{ match: '[', to: 'x' }] }, 'folderRules.0.match', /regular expression/],
    [{ mirrorDeletion: true }, '', /mirrorDeletion/],
  ])('refuses %j naming %s and the fix', (input, field, message) => {
    const r = batchOptionsInputSchema.safeParse(input);
    expect(r.success).toBe(false);
    const issue = r.error?.issues[0];
    expect(issue?.path.join('.')).toBe(field);
    expect(`${issue?.message} ${JSON.stringify(issue)}`).toMatch(message);
  });

  it('a stored window is read back as stored, even one an age has since made empty', () => {
    // since 90d / before a fixed date: valid when set, empty once 90 days ago passes that date.
    const stored = { since: '90d', before: '2000-01-01' };
    expect(batchOptionsSchema.safeParse(stored).success).toBe(true);
    expect(batchOptionsInputSchema.safeParse(stored).success).toBe(false);
  });

  it('a PATCH changes only what it sends; null clears an option; the result is validated', () => {
    const current = batchOptionsInputSchema.parse({ before: '90d', folderMap: { A: 'B' }, autoStart: true });
    const merged = mergeBatchOptions(current, { before: null, mirrorDeletions: true });
    expect(merged.success).toBe(true);
    expect(merged.data).toMatchObject({ folderMap: { A: 'B' }, autoStart: true, mirrorDeletions: true });
    expect(merged.data?.before).toBeUndefined();
    const bad = mergeBatchOptions(current, { since: 'soon' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['since']);
  });
});
