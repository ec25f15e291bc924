import { CodedError } from '../domain/errors';
import { openDavSource } from './dav/source';
import { parseDavSettings } from './dav/settings';
import type { PimSource } from './model';

/**
 * The PIM source of a source endpoint: its `dav` block (CalDAV/CardDAV) or its `ews` block
 * (Exchange 2007). EWS registers its opener here (shared/pim/ews), so this module does not depend on it.
 */
export type PimLogin = { email: string; userName?: string; password?: string };
type Opener = (settings: unknown, login: PimLogin) => Promise<PimSource>;

const openers: Partial<Record<'dav' | 'ews', Opener>> = {
  dav: (settings, login) =>
    openDavSource(parseDavSettings(settings), { email: login.email, password: login.password }),
};

export function registerPimSource(kind: 'ews', opener: Opener): void {
  openers[kind] = opener;
}

/** Which PIM block the endpoint has (`ews` wins when both are set: it also carries contacts' photos). */
export function pimSourceKind(settings: Record<string, unknown>): 'dav' | 'ews' | undefined {
  if (settings.ews && typeof settings.ews === 'object') return 'ews';
  if (settings.dav && typeof settings.dav === 'object') return 'dav';
  return undefined;
}

export async function openPimSource(settings: Record<string, unknown>, login: PimLogin): Promise<PimSource> {
  const kind = pimSourceKind(settings);
  const opener = kind && openers[kind];
  if (!kind || !opener) {
    throw new CodedError(
      'PIM_SOURCE_UNSUPPORTED',
      `The source endpoint's ${kind ?? 'dav/ews'} settings cannot be used by this build; set settings.dav for CalDAV/CardDAV.`,
    );
  }
  return opener(settings[kind], login);
}
