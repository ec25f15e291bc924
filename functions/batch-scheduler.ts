import * as df from 'durable-functions';
import { services } from '../shared/app/services';
import { dueAction } from '../shared/batches/schedule';
import { registrationSettings } from '../shared/config/registration';
import { runBatchAction } from '../shared/batches/lifecycle';
import { orchestrationPort } from './durable-port';
import { logFor } from './log';

/**
 * The batch scheduler tick (MAILFERRY_INCREMENTAL_SYNC_SCHEDULE, NCRONTAB, hourly by default): a
 * batch whose `startAfter` has come is started, a synced batch whose `completeAfter` has come is
 * completed, and a synced batch whose interval (default 24 h, per batch) has passed gets an
 * incremental pass. Each batch runs one orchestration at a time, so a busy batch is skipped.
 */
df.app.client.timer('batchScheduler', {
  schedule: registrationSettings().batchSchedulerSchedule,
  handler: async (_timer, client, context) => {
    const svc = services();
    const log = logFor(context);
    const now = new Date();
    for (const batch of await svc.state.batches.list()) {
      const action = dueAction(batch, now);
      if (!action) continue;
      try {
        await runBatchAction(svc, orchestrationPort(client), batch.id, action);
        log.info({ batchId: batch.id, action }, 'scheduled batch action started');
      } catch (e) {
        log.warn(
          { batchId: batch.id, action },
          `scheduled ${action} not started: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }
  },
});
