/** The `ews` PIM source: contacts and calendars of Exchange 2007 SP1+ over EWS (read-only). */
export { EwsSettingsSchema, parseEwsSettings, type EwsSettings, type EwsSettingsInput } from './settings';
export { openEwsSource, type EwsChanges, type EwsLogin, type EwsPimSource } from './source';
export { EwsError, EwsErrorCode, PimSkipCode } from './errors';
