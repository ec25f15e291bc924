import { settingMeta, settingsSchema, SETTING_NAMES, type RawSettings, type SettingName } from './schema';
import type { SettingProblem } from './types';

const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(/i;

/** Every bad setting found, one per setting (the first problem of each), each with its fix. */
export class Problems {
  readonly list: SettingProblem[] = [];
  add(code: SettingProblem['code'], setting: SettingName, message: string): void {
    if (!this.list.some((p) => p.setting === setting)) this.list.push({ code, setting, message });
  }
  missing(setting: SettingName, why: string): void {
    const reason = why.replace(/\.$/, '');
    this.add(
      'SETTING_MISSING',
      setting,
      `${setting} is missing (${reason}). Set it to ${settingMeta(setting).expects}.`,
    );
  }
  has(setting: SettingName): boolean {
    return this.list.some((p) => p.setting === setting);
  }
}

/** Empty strings count as unset, as the Functions host treats them. */
export function present(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of SETTING_NAMES) {
    const v = env[name];
    if (v !== undefined && v.trim() !== '') out[name] = v.trim();
  }
  return out;
}

/** Field-by-field checks; failing fields are reported and dropped so the cross-field rules still run. */
export function parseFields(values: Record<string, string>, problems: Problems): RawSettings {
  for (const [name, value] of Object.entries(values)) {
    if (KEY_VAULT_REFERENCE.test(value)) {
      problems.add(
        'SETTING_KEY_VAULT_REFERENCE_UNRESOLVED',
        name as SettingName,
        `${name} is a Key Vault reference the platform could not resolve: give the app's identity the "Key Vault Secrets User" role on the vault, set the app's keyVaultReferenceIdentity to that identity, and check the vault and secret names.`,
      );
      delete values[name];
    }
  }
  const first = settingsSchema.safeParse(values);
  if (first.success) return first.data;
  for (const issue of first.error.issues) {
    const name = issue.path[0] as SettingName;
    problems.add('SETTING_INVALID', name, `Set ${name} to ${settingMeta(name).expects}.`);
    delete values[name];
  }
  return settingsSchema.parse(values);
}
