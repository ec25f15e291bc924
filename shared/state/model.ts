import { z } from 'zod';
import type { MailboxProgress } from './mailbox-progress';
import { BATCH_STATUSES, MAILBOX_STATUSES, type BatchStatus, type MailboxStatus } from '../domain/statuses';
import {
  DEFAULT_INCREMENTAL_SYNC_INTERVAL_HOURS,
  DEFAULT_MAX_CONCURRENT_MIGRATIONS,
  MAX_CONCURRENT_MIGRATIONS_LIMIT,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_INCREMENTAL_SYNC_INTERVAL_HOURS,
} from './limits';
import { isSecretRef } from '../secrets/refs';
import { isoTimestamp } from './codec';
import { dateOrAgeSchema, resolveDateOrAge } from '../plan/date-window';
import { folderMapSchema, folderRulesSchema } from '../mail/folder-map';

/**
 * The domain records the repositories store and return. Input schemas (`...InputSchema`) are what an
 * API boundary parses user JSON with; they reject unknown fields so a typo is an error, not a no-op.
 */

/** The last error of a batch or mailbox: a code and a sentence, never a stack or a secret. */
export interface ErrorInfo {
  code: string;
  message: string;
}
export const errorInfoSchema = z.object({
  code: z.string().min(1).max(100),
  message: z.string().max(MAX_ERROR_MESSAGE_LENGTH),
});

/** Truncates a message so it fits the row; the code stays exact. */
export function toErrorInfo(e: ErrorInfo): ErrorInfo {
  const message =
    e.message.length > MAX_ERROR_MESSAGE_LENGTH
      ? `${e.message.slice(0, MAX_ERROR_MESSAGE_LENGTH - 1)}…`
      : e.message;
  return { code: e.code.slice(0, 100), message };
}

// ---------------------------------------------------------------------------------------------
// Endpoints

/**
 * `graph`: Microsoft 365 through the app registration in the M365_* settings, mail through Graph.
 * `microsoft365`: Microsoft 365 with its own app registration in the endpoint, mail over Exchange
 * Online's IMAP (XOAUTH2) by default and everything else through Graph.
 * `ldap`: the source directory (Active Directory), for forwarding and the cutover.
 */
export const ENDPOINT_TYPES = ['imap', 'graph', 'ews', 'ldap', 'microsoft365'] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];

/** Endpoint names appear in URLs (`/api/endpoints/{name}`): a letter or digit, then letters, digits, `. _ -`. */
export const endpointNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

/** A reference into the secret store, `secret:<name>`; the secret itself never enters a table. */
export const secretRefSchema = z.string().refine(isSecretRef, 'must look like secret:<name>');

/**
 * Settings keys that name a credential. Their values must be secret references: a password pasted
 * into the settings would otherwise land in a table in clear text.
 */
const CREDENTIAL_KEY = /(^pass|password|passwd|secret|token|private_?key|api_?key)$/i;

function findCredentials(value: unknown, at: string[] = []): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    CREDENTIAL_KEY.test(k) && typeof v === 'string' && !isSecretRef(v)
      ? [[...at, k].join('.')]
      : findCredentials(v, [...at, k]),
  );
}

export const endpointSettingsSchema = z.record(z.string(), z.unknown()).superRefine((settings, ctx) => {
  for (const where of findCredentials(settings)) {
    ctx.issues.push({
      code: 'custom',
      path: where.split('.'),
      message: 'holds a credential: store it in the secret store and put its secret:<name> reference here',
      input: undefined,
    });
  }
});

export const endpointInputSchema = z
  .object({
    name: endpointNameSchema,
    type: z.enum(ENDPOINT_TYPES),
    /** Connection settings for the connector: host, port, security, adminUser, loginFormat, tenantId... */
    settings: endpointSettingsSchema.default({}),
    secretRef: secretRefSchema.optional(),
    maxConcurrentMigrations: z
      .number()
      .int()
      .min(1)
      .max(MAX_CONCURRENT_MIGRATIONS_LIMIT)
      .default(DEFAULT_MAX_CONCURRENT_MIGRATIONS),
  })
  .strict();
export type EndpointInput = z.input<typeof endpointInputSchema>;

export interface Endpoint {
  name: string;
  type: EndpointType;
  settings: Record<string, unknown>;
  secretRef?: string;
  maxConcurrentMigrations: number;
  createdAt: string;
  updatedAt: string;
}
/** Fields an endpoint update may change (name and createdAt are fixed). */
export type EndpointPatch = Partial<
  Pick<Endpoint, 'type' | 'settings' | 'secretRef' | 'maxConcurrentMigrations'>
>;

// ---------------------------------------------------------------------------------------------
// Batches

/** Batch names: unique among batches regardless of case; letters, digits, space and `. _ - ( )`. */
export const batchNameSchema = z
  .string()
  .trim()
  .regex(
    /^[\p{L}\p{N}][\p{L}\p{N} ._()-]{0,63}$/u,
    'must be 1-64 letters, digits, spaces or ". _ - ( )", starting with a letter or digit',
  );

const folderList = z.array(z.string().min(1).max(1024)).max(500);

export const batchOptionsSchema = z.object({
  autoStart: z.boolean().default(false),
  allowUnknownColumns: z.boolean().default(false),
  notificationEmails: z.array(z.email()).max(20).default([]),
  /** Overrides the source endpoint's maxConcurrentMigrations for this batch. */
  maxConcurrentMigrations: z.number().int().min(1).max(MAX_CONCURRENT_MIGRATIONS_LIMIT).optional(),
  incrementalSyncIntervalHours: z
    .number()
    .int()
    .min(1)
    .max(MAX_INCREMENTAL_SYNC_INTERVAL_HOURS)
    .default(DEFAULT_INCREMENTAL_SYNC_INTERVAL_HOURS),
  /** Source folder paths to copy (empty: all) and to leave out. */
  includeFolders: folderList.default([]),
  excludeFolders: folderList.default([]),
  /** Batch-level ForceChangePassword for CSV rows whose cell is blank. */
  forceChangePassword: z.boolean().optional(),
  startAfter: isoTimestamp.optional(),
  completeAfter: isoTimestamp.optional(),
  /** Cutover: the `ldap` endpoint of the source directory whose users get their targetAddress set. */
  directory: endpointNameSchema.optional(),
  /** Set targetAddress once a mailbox's target is ready (needs `directory`); false turns it off. */
  setForwarding: z.boolean().default(true),
  /** Routing domain for `alias@forwardingDomain` (a non-Microsoft target, or to skip the Graph lookup). */
  forwardingDomain: z
    .string()
    .regex(
      /^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}$/,
      'must be a domain name like contoso.mail.onmicrosoft.com',
    )
    .optional(),
  /** Removing the batch puts the recorded previous targetAddress values back. */
  restoreForwarding: z.boolean().default(false),
  /** POST /api/batches/{id}/cloud-mailboxes (the exported CSV) writes the conversion's LDAP half; never deletes a mailbox. */
  applyConversionLdap: z.boolean().default(false),
  /**
   * Incremental passes also remove from the target what was deleted on the source: mail, contacts
   * and events. Off by default: the dashboard asks for a confirmation before turning it on.
   */
  mirrorDeletions: z.boolean().default(false),
  /**
   * Mail received on or after `since` / before `before` only: a date, a timestamp or an age (`90d`,
   * `12w`) counted back from the start of each pass. `before: "90d"` pre-stages everything older
   * than 90 days; dropping it for the final pass copies the rest.
   */
  since: dateOrAgeSchema.optional(),
  before: dateOrAgeSchema.optional(),
  /** Explicit folder mapping `{"Inbox/Old": "Archive/Old"}` and ordered `{match, to}` rules (shared/mail/folder-map.ts). */
  folderMap: folderMapSchema.default({}),
  folderRules: folderRulesSchema.default([]),
});
export type BatchOptions = z.output<typeof batchOptionsSchema>;
/**
 * A window that holds no moment is refused when options are set (not when a stored row is read: an
 * age moves with time, so a stored window is never re-judged).
 */
function windowNotEmpty(o: BatchOptions, ctx: z.RefinementCtx): void {
  const now = new Date();
  if (o.since && o.before && resolveDateOrAge(o.since, now) >= resolveDateOrAge(o.before, now)) {
    ctx.addIssue({
      code: 'custom',
      path: ['before'],
      message: `must be later than since (${o.since}): with since ${o.since} and before ${o.before} no message would be copied`,
    });
  }
}

/** Options as an API caller sends them: everything optional, unknown keys rejected. */
export const batchOptionsInputSchema = batchOptionsSchema.strict().superRefine(windowNotEmpty);
/**
 * A change to an existing batch's options (PATCH): only the fields sent change; `null` clears one
 * (the final pass drops `before`). The merged options are parsed with batchOptionsInputSchema, so a
 * bad or unknown field is named exactly as on create.
 */
export function mergeBatchOptions(
  current: BatchOptions,
  patch: Record<string, unknown>,
): z.ZodSafeParseResult<BatchOptions> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return batchOptionsInputSchema.safeParse(merged);
}
export type BatchOptionsInput = z.input<typeof batchOptionsSchema>;

export type MailboxCounts = Record<MailboxStatus, number>;

export interface Batch {
  id: string;
  name: string;
  status: BatchStatus;
  sourceEndpoint: string;
  /** Target endpoint name. */
  target: string;
  options: BatchOptions;
  /** Mailboxes per status, every status present (0 when none). Kept exact with the mailbox rows. */
  counts: MailboxCounts;
  totalMailboxes: number;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  lastSyncedAt?: string;
  completedAt?: string;
  lastError?: ErrorInfo;
  /** How many CSV validation problems are stored (read them with `batches.getValidationErrors`). */
  validationErrorCount: number;
  /** Name of the ingested CSV blob (password column blanked). */
  csvBlob?: string;
}

export interface NewBatch {
  /** A chosen id (an ingest derives it from the upload, so a retried upload finds its batch); default random. */
  id?: string;
  name: string;
  sourceEndpoint: string;
  target: string;
  options?: BatchOptionsInput;
  csvBlob?: string;
  /** Defaults to Created; ingest that fails validation creates the batch directly as Failed. */
  status?: BatchStatus;
  lastError?: ErrorInfo;
}

/** Fields an update may change. Set a field to `undefined` to clear it. */
export type BatchPatch = Partial<
  Pick<
    Batch,
    | 'status'
    | 'sourceEndpoint'
    | 'target'
    | 'options'
    | 'startedAt'
    | 'lastSyncedAt'
    | 'completedAt'
    | 'lastError'
    | 'csvBlob'
  >
>;

export function zeroCounts(): MailboxCounts {
  return Object.fromEntries(MAILBOX_STATUSES.map((s) => [s, 0])) as MailboxCounts;
}

export const batchStatusSchema = z.enum(BATCH_STATUSES);
export const mailboxStatusSchema = z.enum(MAILBOX_STATUSES);

// ---------------------------------------------------------------------------------------------
// Mailboxes

export interface Mailbox {
  batchId: string;
  /** The address as the CSV gave it (trimmed); lookups use its normalised form. */
  email: string;
  status: MailboxStatus;
  /** IMAP CSV: source login and optional root folder. */
  userName?: string;
  userRoot?: string;
  /** Reference to the CSV password in the secret store. */
  passwordRef?: string;
  forceChangePassword?: boolean;
  /** When the staged CSV password was set on the target user: it is never set again (see microsoft365.ts). */
  passwordAppliedAt?: string;
  itemsSynced: number;
  itemsSkipped: number;
  bytesSynced: number;
  /** Contacts and calendars (counted apart from mail; also included in itemsSynced / itemsSkipped). */
  contactsSynced?: number;
  eventsSynced?: number;
  pimSkipped?: number;
  /** Why contacts and calendars were not migrated at all, e.g. "not migrated: the target is IMAP". */
  pimNote?: string;
  /** Items per minute and bytes per minute of the last sync. */
  ratePerMinute?: number;
  bytesPerMinute?: number;
  /** Total time spent copying, over all syncs. */
  syncDurationMs: number;
  queuedAt?: string;
  syncStartedAt?: string;
  syncedAt?: string;
  lastSuccessfulSync?: string;
  completedAt?: string;
  lastError?: ErrorInfo;
  /** Messages that went through Graph and lost something, per kind of loss (Graph rebuilds mail as JSON). */
  notCarried?: Record<string, number>;
  /** Live progress while mail copies: current folder, rate over the last minutes, time left. */
  progress?: MailboxProgress;
  createdAt: string;
  updatedAt: string;
}

export interface NewMailbox {
  email: string;
  /** Defaults to Validating. */
  status?: MailboxStatus;
  userName?: string;
  userRoot?: string;
  passwordRef?: string;
  forceChangePassword?: boolean;
}

export type MailboxPatch = Partial<Omit<Mailbox, 'batchId' | 'email' | 'createdAt' | 'updatedAt'>>;

/**
 * The three durations the statistics show: waiting in the queue, copying (all syncs together) and
 * since the last sync finished. Undefined where the mailbox has not reached that stage.
 */
export function mailboxDurations(
  m: Mailbox,
  now: Date = new Date(),
): { queuedMs?: number; syncingMs: number; sinceSyncedMs?: number } {
  const at = (iso: string | undefined) => (iso ? Date.parse(iso) : undefined);
  const queued = at(m.queuedAt);
  const started = at(m.syncStartedAt);
  const synced = at(m.syncedAt);
  const queuedEnd =
    started !== undefined && queued !== undefined && started >= queued ? started : now.getTime();
  return {
    queuedMs: queued === undefined ? undefined : Math.max(0, queuedEnd - queued),
    syncingMs: m.syncDurationMs,
    sinceSyncedMs: synced === undefined ? undefined : Math.max(0, now.getTime() - synced),
  };
}
