import { CodedError } from '../domain/errors';
import { parseDavSettings } from './dav/settings';
import { parseEwsSettings } from './ews/settings';
import type { PimSource } from './model';

/**
 * The PIM source of a source endpoint: its `dav` block (CalDAV/CardDAV) or its `ews` block
 * (Exchange 2007 SP1+, shared/pim/ews). Both read-only.
 */
export type PimLogin = { email: string; userName?: string; password?: string };

/** Which PIM block the endpoint has (`ews` wins when both are set). */
export function pimSourceKind(settings: Record<string, unknown>): 'dav' | 'ews' | undefined {
  if (settings.ews && typeof settings.ews === 'object') return 'ews';
  if (settings.dav && typeof settings.dav === 'object') return 'dav';
  return undefined;
}

/** Checks an endpoint's dav / ews blocks at the boundary (endpoint create and update). */
export function validatePimSettings(settings: Record<string, unknown>): void {
  if (settings.dav !== undefined) parseDavSettings(settings.dav);
  if (settings.ews !== undefined) parseEwsSettings(settings.ews);
}

export async function openPimSource(settings: Record<string, unknown>, login: PimLogin): Promise<PimSource> {
  const kind = pimSourceKind(settings);
  // Each source's protocol libraries (tsdav and ical.js; the EWS client) load with its first use.
  if (kind === 'dav') {
    const { openDavSource } = await import('./dav/source');
    return openDavSource(parseDavSettings(settings.dav), { email: login.email, password: login.password });
  }
  if (kind === 'ews') {
    const { openEwsSource } = await import('./ews/source');
    return openEwsSource(parseEwsSettings(settings.ews), login);
  }
  throw new CodedError(
    'PIM_SOURCE_UNSUPPORTED',
    'The source endpoint has neither dav nor ews settings; set settings.dav (CalDAV/CardDAV) or settings.ews (Exchange 2007).',
  );
}
