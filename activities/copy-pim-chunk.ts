import * as df from 'durable-functions';
import { services } from '../shared/app/services';
import { copyPimChunkStep, type PimChunkInput } from '../shared/pim/run';
import { ACTIVITIES } from '../shared/workflow/names';

/** One bounded page of a mailbox's contacts and calendars (after its mail). */
df.app.activity(ACTIVITIES.copyPimChunk, {
  handler: (input: PimChunkInput) => copyPimChunkStep(services(), input),
});
