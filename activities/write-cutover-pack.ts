import * as df from 'durable-functions';
import { services } from '../shared/app/services';
import { writeCutoverPack } from '../shared/cutover/completion';
import { ACTIVITIES, type BatchRunInput } from '../shared/workflow/names';

/** Completion: the conversion pack and the DNS findings, stored among the batch's report files. */
df.app.activity(ACTIVITIES.writeCutoverPack, {
  handler: (input: BatchRunInput) => writeCutoverPack(services(), input.batchId),
});
