import * as df from 'durable-functions';
import { services } from '../shared/app/services';
import { runBatchAction } from './batch-actions';
import { logFor } from './log';

/**
 * The scheduled incremental sync: on each tick, every Synced or SyncedWithErrors batch whose
 * interval (default 24 h, per batch) has passed gets an incremental pass. The tick's schedule is
 * the MAILFERRY_INCREMENTAL_SYNC_SCHEDULE setting (NCRONTAB, hourly by default).
 */
process.env.MAILFERRY_INCREMENTAL_SYNC_SCHEDULE ??= '0 0 * * * *';

df.app.client.timer('incrementalSync', {
  schedule: '%MAILFERRY_INCREMENTAL_SYNC_SCHEDULE%',
  handler: async (_timer, client, context) => {
    const svc = services();
    const log = logFor(context);
    const now = Date.now();
    for (const batch of await svc.state.batches.list()) {
      if (batch.status !== 'Synced' && batch.status !== 'SyncedWithErrors') continue;
      const intervalMs = batch.options.incrementalSyncIntervalHours * 3_600_000;
      const last = Date.parse(batch.lastSyncedAt ?? batch.startedAt ?? batch.createdAt);
      if (now - last < intervalMs) continue;
      try {
        await runBatchAction(svc, client, batch.id, 'sync');
        log.info({ batchId: batch.id }, 'incremental sync started');
      } catch (e) {
        log.warn(
          { batchId: batch.id },
          `incremental sync not started: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }
  },
});
