import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { MAX_EMAIL_LENGTH } from '../shared/domain/address';
import { CodedError } from '../shared/domain/errors';
import { REPORT_NAME_PART } from '../shared/report/catalog';
import { BATCH_ACTIONS, MAX_PAGE_SIZE } from '../shared/state';
import { endpointNameSchema } from '../shared/state/model';

/**
 * Route parameters and query strings, parsed with zod like bodies: a bad one answers 400
 * REQUEST_INVALID naming the parameter, never a cast that lets a wrong value through.
 */
export function parseParams<T extends z.ZodType>(request: HttpRequest, schema: T): z.output<T> {
  const query = Object.fromEntries(request.query.entries());
  const parsed = schema.safeParse({ ...query, ...request.params });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join('.') || 'route';
  throw new CodedError('REQUEST_INVALID', `${field}: ${issue?.message ?? 'is invalid'}`, { field });
}

const batchId = z.string().trim().min(1, 'name a batch id').max(200);
const email = z.string().trim().min(3, 'name a mailbox address').max(MAX_EMAIL_LENGTH);

export const batchParams = z.object({ id: batchId });
export const mailboxParams = z.object({ id: batchId, email });
export const actionParams = z.object({ id: batchId, action: z.enum(BATCH_ACTIONS) });
export const mailboxPageParams = z.object({
  id: batchId,
  pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(100),
  continuationToken: z.string().min(1).optional(),
});

const reportPart = z.string().regex(REPORT_NAME_PART, 'letters, digits, dot, dash or underscore');
export const reportParams = z.object({ id: batchId, kind: reportPart, file: reportPart });

/** Endpoint names appear in URLs: the same rule as when they are created. */
export const endpointParams = z.object({ name: endpointNameSchema });
