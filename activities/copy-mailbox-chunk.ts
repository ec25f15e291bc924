import { services } from '../shared/app/services';
import { copyMailboxChunk } from '../shared/migration/copy';
import { ACTIVITIES } from '../shared/workflow/names';
import { registerActivity } from '../shared/workflow/register';

/** One bounded chunk of a mailbox's mail, from the previous chunk's checkpoint to the next. */
registerActivity(ACTIVITIES.copyMailboxChunk, (input) => copyMailboxChunk(services(), input));
