import { z } from 'zod';
import { ENDPOINT_TYPES } from '../state';

/**
 * What the endpoint API accepts, as zod schemas the trigger parses request bodies with. Passwords
 * travel only in these requests: they go to the secret store and never come back in an answer.
 */

/** Passwords of the contacts-and-calendars logins (settings.dav / settings.ews), kept in the secret store. */
const pimPasswords = z
  .object({ dav: z.string().min(1).optional(), ews: z.string().min(1).optional() })
  .strict()
  .optional();

const changeable = {
  password: z.string().min(1).optional(),
  pimPasswords,
  maxConcurrentMigrations: z.number().int().positive().optional(),
};

export const createEndpointRequest = z
  .object({
    name: z.string().min(1),
    type: z.enum(ENDPOINT_TYPES),
    settings: z.record(z.string(), z.unknown()).default({}),
    ...changeable,
  })
  .strict();
export type CreateEndpointRequest = z.output<typeof createEndpointRequest>;

/** An update changes any of these; the name and the type stay. */
export const updateEndpointRequest = z
  .object({ settings: z.record(z.string(), z.unknown()).optional(), ...changeable })
  .strict();
export type UpdateEndpointRequest = z.output<typeof updateEndpointRequest>;

/** A connection test may name a mailbox to log in as (IMAP) or to check (Microsoft 365). */
export const testEndpointRequest = z.object({ emailAddress: z.string().min(1).optional() });
export type TestEndpointRequest = z.output<typeof testEndpointRequest>;

export type PimPasswords = z.output<typeof pimPasswords>;
