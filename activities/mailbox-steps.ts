import * as df from 'durable-functions';
import { services } from '../shared/app/services';
import { provisionTarget } from '../shared/migration/connectors';
import { copyMailboxChunk } from '../shared/migration/copy';
import { beginMailbox, endMailbox } from '../shared/migration/mailbox-run';
import {
  ACTIVITIES,
  type ChunkInput,
  type MailboxOutcome,
  type MailboxRunInput,
  type ProvisionInput,
} from '../shared/workflow/names';

/** Mailbox-level steps of migrateMailbox; each does one bounded unit of I/O. */
df.app.activity(ACTIVITIES.beginMailbox, {
  handler: (input: MailboxRunInput) => beginMailbox(services(), input),
});
df.app.activity(ACTIVITIES.provisionTarget, {
  handler: (input: ProvisionInput) => provisionTarget(services(), input.batchId, input.email, input.attempt),
});
df.app.activity(ACTIVITIES.copyMailboxChunk, {
  handler: (input: ChunkInput) => copyMailboxChunk(services(), input),
});
df.app.activity(ACTIVITIES.endMailbox, {
  handler: (outcome: MailboxOutcome) => endMailbox(services(), outcome),
});
