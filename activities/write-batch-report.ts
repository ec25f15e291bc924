import { services } from '../shared/app/services';
import { writeBatchReport } from '../shared/migration/report';
import { ACTIVITIES } from '../shared/workflow/names';
import { registerActivity } from '../shared/workflow/register';

/** The batch's report files (and its status mail); a rerun writes the same files again. */
registerActivity(ACTIVITIES.writeBatchReport, (input) => writeBatchReport(services(), input));
