import type { FolderRole } from './target';

/** IMAP special-use attributes (RFC 6154) for the roles the engine maps by role. */
export const SPECIAL_USE: Record<string, FolderRole> = {
  '\\Inbox': 'inbox',
  '\\Sent': 'sent',
  '\\Drafts': 'drafts',
  '\\Trash': 'trash',
  '\\Junk': 'junk',
  '\\Archive': 'archive',
};

/** Default target folder names for a role the target does not have yet (Exchange Online's names). */
export const DEFAULT_ROLE_NAMES: Record<FolderRole, string> = {
  inbox: 'INBOX',
  sent: 'Sent Items',
  drafts: 'Drafts',
  trash: 'Deleted Items',
  junk: 'Junk Email',
  archive: 'Archive',
};

export function roleOf(specialUse: string | undefined, path: string): FolderRole | undefined {
  if (path.toUpperCase() === 'INBOX') return 'inbox';
  return specialUse ? SPECIAL_USE[specialUse] : undefined;
}
