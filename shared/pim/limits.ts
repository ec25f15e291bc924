/** Contacts and calendars: every bound of the PIM copy in one place. */
export const PIM_LIMITS = {
  /** Items fetched from the source and written to Graph per activity call (one page). */
  itemsPerChunk: 100,
  /**
   * A series Graph cannot express becomes single events, at most this many; the rest of the series
   * is listed as not migrated (a ten-thousand-instance rule must not flood the calendar or the budget).
   */
  maxExpandedInstances: 500,
  /** Graph keeps at most three e-mail addresses per contact; the rest go to the notes and are listed. */
  maxContactEmails: 3,
  /** Graph rejects more than two business phones on a contact. */
  maxBusinessPhones: 2,
  /** Attachments up to this size go inline in a POST (Graph's limit for a JSON attachment). */
  maxInlineAttachmentBytes: 3 * 1024 * 1024,
  /** A contact photo larger than this is left out and listed (Exchange keeps photos up to 4 MB). */
  maxPhotoBytes: 4 * 1024 * 1024,
  /** Source refs fetched per multiget request. */
  fetchPage: 50,
  /** The window around an exception's original start in which its instance is looked up, in hours. */
  instanceWindowHours: 36,
} as const;
