/**
 * Every bound of the report module in one place, each with the reason for its value.
 */
export const REPORT_LIMITS = {
  /** The largest batch the CSV formats allow (IMAP CSV: 50,000 rows; docs/architecture.md). */
  maxMailboxes: 50_000,
  /** Skipped items held in one report; beyond this the caller must page (bounds memory). */
  maxSkippedItems: 200_000,
  /** Longest text cell kept (subjects, folders, reasons, error messages); longer is cut with "…". */
  maxTextChars: 500,
  /** Files added to a report beyond the standard ones (the cutover pack). */
  maxExtraFiles: 10,
  /** Mailbox rows shown in the HTML and text bodies; the CSV always holds all of them. */
  bodyMaxMailboxRows: 500,
  /** Skipped-item rows shown in the HTML and text bodies; errors.csv always holds all of them. */
  bodyMaxSkippedRows: 200,
  /**
   * Attachments are sent only while their total stays under this: Graph `sendMail` takes at most
   * 4 MB per request and base64 grows attachments by a third. Larger reports go by link and blob.
   */
  maxAttachmentBytes: 2.5 * 1024 * 1024,
  /** Recipients of one report mail. */
  maxRecipients: 50,
  /** SMTP connection, greeting and socket timeouts: an activity must never hang on a dead server. */
  smtpTimeoutMs: 30_000,
  /** Bound on any one transport's send, on top of its own timeouts: delivery must always finish. */
  sendTimeoutMs: 2 * 60_000,
  /**
   * Above this many skipped items (the mailboxes' counters) errors.csv is streamed from state page by
   * page and the report holds only the first bodyMaxSkippedRows: 200,000 items held at once took
   * hundreds of MB (objects, the CSV string and report.json).
   */
  streamSkippedAbove: 5_000,
  /** Skipped items read from state per page when streaming. */
  skippedPageSize: 1_000,
  /** Block size and blocks in flight of a streamed upload: its memory is about their product. */
  streamBlockBytes: 4 * 1024 * 1024,
  streamBlocksAtOnce: 2,
  /** Longest error message kept in a delivery result (server replies can be long). */
  maxErrorChars: 500,
} as const;

/** Container of the blob copies: `reports/{batchId}/{kind}/{file}`. */
export const REPORTS_CONTAINER = 'reports';
