import { services } from '../shared/app/services';
import { writeCutoverPack } from '../shared/cutover/completion';
import { ACTIVITIES } from '../shared/workflow/names';
import { registerActivity } from '../shared/workflow/register';

/** Completion: the conversion pack and the DNS findings, stored among the batch's report files. */
registerActivity(ACTIVITIES.writeCutoverPack, (input) => writeCutoverPack(services(), input.batchId));
