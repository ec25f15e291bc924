/**
 * Human-readable figures for the report bodies. Units follow Exchange Online's own display
 * (1 KB = 1,024 bytes), so our numbers read like the admin center's.
 */

const BYTE_UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'] as const;
const NUMBER = new Intl.NumberFormat('en-US');
const ONE_DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** 1234 → "1,234". */
export function formatCount(n: number): string {
  return NUMBER.format(n);
}

/** 1536 → "1.5 KB"; below 1 KB the exact count. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${NUMBER.format(bytes)} bytes` : `${ONE_DECIMAL.format(value)} ${BYTE_UNITS[unit]}`;
}

/** 1536 → "1.5 KB (1,536 bytes)": readable and exact, as the admin center shows sizes. */
export function formatBytesExact(bytes: number): string {
  return bytes < 1024 ? formatBytes(bytes) : `${formatBytes(bytes)} (${NUMBER.format(bytes)} bytes)`;
}

/** 3725 → "1 h 2 min 5 s"; 90061 → "1 d 1 h 1 min" (seconds dropped past a day). */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  let rest = Math.round(seconds);
  const days = Math.floor(rest / 86400);
  rest -= days * 86400;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const secs = rest - minutes * 60;
  const parts: string[] = [];
  if (days) parts.push(`${days} d`);
  if (hours) parts.push(`${hours} h`);
  if (minutes) parts.push(`${minutes} min`);
  if (!days && (secs || parts.length === 0)) parts.push(`${secs} s`);
  return parts.join(' ');
}

/** "12.5 items/min"; "—" when unknown. */
export function formatItemRate(itemsPerMinute: number | null): string {
  return itemsPerMinute === null ? '—' : `${ONE_DECIMAL.format(itemsPerMinute)} items/min`;
}

/** "1.2 MB/min"; "—" when unknown. */
export function formatByteRate(bytesPerMinute: number | null): string {
  return bytesPerMinute === null ? '—' : `${formatBytes(Math.round(bytesPerMinute))}/min`;
}

/** ISO 8601 → "2026-11-24 14:05 UTC"; "—" when absent. Reports are read across time zones. */
export function formatTimestamp(iso: string | null): string {
  if (iso === null) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A rate the source did not report, derived from the totals: `amount` per minute of `seconds`. */
export function perMinute(amount: number, seconds: number | null): number | null {
  return seconds && seconds > 0 ? (amount * 60) / seconds : null;
}
