import { createHash } from 'node:crypto';
import { MailError, MailErrorCode } from '../errors';
import { INDEX_BUCKET_UIDS, INDEX_PACKED_ROW_MAX_CHARS, INDEX_PAGE_UIDS } from '../limits';
import type { ItemRow } from './item-row';

/**
 * How one item-index row is stored in a packed page (layout 2): property `u<UID>` of the page's
 * entity holds `s|sz|fp|t|fl` (the four text fields with `%` and `|` escaped, so a keyword or a
 * target id holding `|` reads back whole). An empty value is a deleted row (a tombstone: a Merge
 * cannot remove a property, it can overwrite it).
 */

if (INDEX_BUCKET_UIDS % INDEX_PAGE_UIDS !== 0)
  throw new Error('INDEX_PAGE_UIDS must divide INDEX_BUCKET_UIDS');

export const TOMBSTONE = '';

/** The first UID of the page holding `uid`. */
export const pageStart = (uid: number): number => uid - (uid % INDEX_PAGE_UIDS);

/** Property names must be C# identifiers: a letter, then digits. */
export const propertyOf = (uid: number): string => `u${uid}`;

/** The UID a property holds, or undefined for the entity's other properties (keys, etag...). */
export function uidOfProperty(name: string): number | undefined {
  if (name.charCodeAt(0) !== 117 /* u */ || name.length < 2) return undefined;
  const uid = Number(name.slice(1));
  return Number.isSafeInteger(uid) ? uid : undefined;
}

const escape = (v: string): string =>
  v.includes('%') || v.includes('|') ? v.replace(/%/g, '%25').replace(/\|/g, '%7C') : v;
const unescape = (v: string): string => (v.includes('%') ? v.replace(/%7C/g, '|').replace(/%25/g, '%') : v);

const pack = (r: ItemRow, fl: string): string =>
  `${r.s}|${r.sz}|${escape(r.fp)}|${escape(r.t)}|${escape(fl)}`;

export function encodeRow(r: ItemRow): string {
  const whole = pack(r, r.fl);
  if (whole.length <= INDEX_PACKED_ROW_MAX_CHARS) return whole;
  // Thousands of keywords: keep a digest, which never equals a real flag list, so flag sync sets
  // the message's flags again instead of missing a change.
  const digest = pack(r, `#${createHash('sha256').update(r.fl).digest('hex').slice(0, 32)}`);
  if (digest.length <= INDEX_PACKED_ROW_MAX_CHARS) return digest;
  throw new MailError(
    MailErrorCode.state,
    `the item index row of UID ${r.uid} is ${digest.length} characters without its flags (a target id of ${r.t.length} characters); a packed row holds at most ${INDEX_PACKED_ROW_MAX_CHARS}`,
    { uid: r.uid },
  );
}

/**
 * The row a property value holds, or undefined for a tombstone. A value that is not a row stops the
 * read: taking it for "no row" could append that message a second time.
 */
export function decodeRow(uid: number, value: unknown): ItemRow | undefined {
  if (value === TOMBSTONE) return undefined;
  const parts = typeof value === 'string' ? value.split('|') : [];
  const [s, sz, fp, t, fl] = parts;
  if (
    parts.length !== 5 ||
    (s !== 'p' && s !== 'd') ||
    sz === undefined ||
    fp === undefined ||
    t === undefined ||
    fl === undefined
  ) {
    throw new MailError(MailErrorCode.state, `the item index row of UID ${uid} cannot be read`, { uid });
  }
  return { uid, s, sz: Number(sz) || 0, fp: unescape(fp), t: unescape(t), fl: unescape(fl) };
}
