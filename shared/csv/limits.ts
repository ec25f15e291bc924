import { MAX_EMAIL_LENGTH } from '../domain/address';

/** Limits of the batch CSV formats (docs/architecture.md, "Batch CSV formats") and of our own reporting, in one place. */
export const CSV_LIMITS = {
  /** Exchange Online staged migration: at most 2,000 mailboxes per batch. */
  stagedMaxRows: 2000,
  /** Exchange Online IMAP migration: up to 50,000 mailboxes per batch. */
  imapMaxRows: 50000,
  /** The new cloud password of a staged row. */
  stagedPasswordMinLength: 8,
  /** Microsoft Entra ID passwords are 8 to 256 characters. */
  stagedPasswordMaxLength: 256,
  /** RFC 5321 path limit (shared/domain/address.ts); longer addresses cannot be delivered to. */
  emailMaxLength: MAX_EMAIL_LENGTH,
  /**
   * UserName, UserRoot and Password cells: far above real values (Microsoft 365 passwords stop at
   * 256), low enough that a stray unclosed quote swallowing the next rows is caught.
   */
  maxValueLength: 1024,
  /** Problems listed in one answer; the rest are counted in a final CSV_TOO_MANY_ERRORS entry. */
  maxProblems: 1000,
  /**
   * Far above any valid batch (50,000 rows of long addresses, names, passwords and roots is about
   * 30 MB); refusing earlier keeps a stray upload from holding the worker's memory.
   */
  maxInputBytes: 64 * 1024 * 1024,
} as const;
