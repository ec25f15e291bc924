import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CodedError } from '../domain/errors';
import { registrationSettings } from './registration';
import { checkReportSending, resolveDashboardUrl, resolveSmtp } from './mail';
import { resolveM365 } from './m365';
import { parseFields, present, Problems } from './problems';
import type { RawSettings } from './schema';
import { resolveSecretStore, resolveStorage } from './storage';
import type { Hosting, Settings } from './types';

export type * from './types';
export { storageSettingsFrom } from './storage';

/**
 * `loadSettings(env)` turns the environment into typed settings, or throws one CodedError that lists
 * every bad setting by name with the fix (not just the first), so an administrator fixes the app
 * settings in one pass. Values are never echoed: many of them are secrets. The resolvers are split
 * by concept: storage.ts, m365.ts, mail.ts; problems.ts gathers what is wrong.
 */
function detectHosting(raw: RawSettings): Hosting {
  return raw.MAILFERRY_HOSTING ?? (raw.WEBSITE_SITE_NAME ? 'azure' : 'local');
}

/** Reads and checks every setting; throws CodedError `SETTINGS_INVALID` with `problems: SettingProblem[]`. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const problems = new Problems();
  const raw = parseFields(present(env), problems);
  const hosting = detectHosting(raw);

  const dataDir = resolve(
    raw.MAILFERRY_DATA_DIR ?? (hosting === 'azure' ? join(tmpdir(), 'mailferry') : '.mailferry'),
  );
  const storage = resolveStorage(raw, hosting, problems);
  const secretStore = resolveSecretStore(raw, hosting, dataDir, problems);
  if (hosting === 'azure' && raw.MAILFERRY_API_KEY !== undefined) {
    problems.add(
      'SETTING_CONFLICT',
      'MAILFERRY_API_KEY',
      'Remove MAILFERRY_API_KEY on Azure: the HTTP functions are protected by function keys there, and a key in app settings is a secret in plain sight.',
    );
  }
  const m365 = resolveM365(raw, hosting, problems);
  const smtp = resolveSmtp(raw, problems);
  const recipients = raw.REPORT_RECIPIENTS ?? [];
  checkReportSending(raw, smtp, m365, problems);
  const dashboardUrl = resolveDashboardUrl(raw, hosting, problems);

  if (problems.list.length > 0) {
    const lines = problems.list.map((p) => `- ${p.setting}: ${p.message}`);
    throw new CodedError(
      'SETTINGS_INVALID',
      `mailferry cannot start: ${problems.list.length} app setting(s) need fixing.\n${lines.join('\n')}`,
      { problems: problems.list },
    );
  }

  return {
    hosting,
    storage,
    managedIdentityClientId: raw.AZURE_CLIENT_ID ?? raw.AzureWebJobsStorage__clientId,
    dataDir,
    apiKey: raw.MAILFERRY_API_KEY,
    secretStore,
    incrementalSync: {
      schedule: raw.MAILFERRY_INCREMENTAL_SYNC_SCHEDULE,
      defaultIntervalHours: raw.MAILFERRY_INCREMENTAL_SYNC_INTERVAL_HOURS,
      maxConcurrent: raw.MAILFERRY_MAX_CONCURRENT_INCREMENTAL_SYNCS,
    },
    maxConcurrentMigrations: raw.MAILFERRY_MAX_CONCURRENT_MIGRATIONS,
    // The same default the trigger registered with (every value is valid by now).
    blobTriggerSource: registrationSettings(env).blobTriggerSource,
    m365,
    report: { sender: raw.REPORT_SENDER, recipients, dashboardUrl },
    smtp,
    logLevel: raw.MAILFERRY_LOG_LEVEL,
    bytesInFlight: raw.MAILFERRY_BYTES_IN_FLIGHT,
  };
}
