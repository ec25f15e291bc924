import { settingsSchema } from './schema';

/**
 * The few settings a trigger's registration needs when the app module loads, before the app's
 * settings are checked as a whole (services() does that on the first call, and reports every
 * problem at once). Each is read with its own field of the settings schema; a missing or bad value
 * takes the schema's default here, so a bad setting is reported by loadSettings rather than
 * stopping the host from indexing the functions.
 */
export interface RegistrationSettings {
  /** NCRONTAB schedule of the batch scheduler timer. */
  batchSchedulerSchedule: string;
  /** How the migration-batches blob trigger learns of new files. */
  blobTriggerSource: 'EventGrid' | 'LogsAndContainerScan';
}

export function registrationSettings(env: NodeJS.ProcessEnv = process.env): RegistrationSettings {
  const fields = settingsSchema.shape;
  const schedule = fields.MAILFERRY_INCREMENTAL_SYNC_SCHEDULE.safeParse(
    env.MAILFERRY_INCREMENTAL_SYNC_SCHEDULE?.trim() || undefined,
  );
  const source = fields.MAILFERRY_BLOB_TRIGGER_SOURCE.safeParse(
    env.MAILFERRY_BLOB_TRIGGER_SOURCE?.trim() || undefined,
  );
  const hosting = fields.MAILFERRY_HOSTING.safeParse(env.MAILFERRY_HOSTING?.trim() || undefined);
  const onAzure =
    hosting.success && hosting.data ? hosting.data === 'azure' : Boolean(env.WEBSITE_SITE_NAME?.trim());
  return {
    batchSchedulerSchedule: schedule.success
      ? schedule.data
      : fields.MAILFERRY_INCREMENTAL_SYNC_SCHEDULE.parse(undefined),
    blobTriggerSource:
      source.success && source.data ? source.data : onAzure ? 'EventGrid' : 'LogsAndContainerScan',
  };
}
