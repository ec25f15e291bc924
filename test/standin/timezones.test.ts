import {
  formatLocal,
  localToUtc,
  parseLocal,
  resolveZone,
  utcToLocal,
} from '../../testing/graph-standin/timezones';

describe('stand-in time zones', () => {
  it('takes Windows names and IANA names, and refuses what Graph does not know', () => {
    expect(resolveZone('W. Europe Standard Time')).toBe('Europe/Berlin');
    expect(resolveZone('pacific standard time')).toBe('America/Los_Angeles');
    expect(resolveZone('Europe/Paris')).toBe('Europe/Paris');
    expect(resolveZone('UTC')).toBe('Etc/UTC');
    expect(resolveZone('Mars/Olympus')).toBeNull();
    expect(resolveZone('CET-ish')).toBeNull();
  });

  it('converts wall-clock times across DST changes as Windows does', () => {
    const berlin = resolveZone('W. Europe Standard Time')!;
    const iso = (local: string) => new Date(localToUtc(parseLocal(local)!, berlin)).toISOString();
    expect(iso('2026-07-01T09:00:00')).toBe('2026-07-01T07:00:00.000Z');
    expect(iso('2026-01-15T09:00:00.0000000')).toBe('2026-01-15T08:00:00.000Z');
    // 02:30 does not exist on 29 March: it reads as 03:30 summer time.
    expect(iso('2026-03-29T02:30:00')).toBe('2026-03-29T01:30:00.000Z');
    // 02:30 happens twice on 25 October: standard time, the later one.
    expect(iso('2026-10-25T02:30:00')).toBe('2026-10-25T01:30:00.000Z');
    expect(formatLocal(utcToLocal(Date.UTC(2026, 6, 1, 7), berlin))).toBe('2026-07-01T09:00:00.0000000');
  });

  it('refuses a date that does not exist', () => {
    expect(parseLocal('2026-02-30T09:00:00')).toBeNull();
    expect(parseLocal('2026-02-03 09:00')).toBeNull();
  });
});
