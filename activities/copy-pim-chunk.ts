import { services } from '../shared/app/services';
import { copyPimChunkStep } from '../shared/pim/run';
import { ACTIVITIES } from '../shared/workflow/names';
import { registerActivity } from '../shared/workflow/register';

/** One bounded page of a mailbox's contacts and calendars (after its mail). */
registerActivity(ACTIVITIES.copyPimChunk, (input) => copyPimChunkStep(services(), input));
