import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { badInput } from './exit-codes';

/**
 * The batch options that shape a pass, as `batch new` and `batch options` take them: the date
 * window (pre-staging), folder mapping and mirroring deletions. The service validates them; the CLI
 * only reads JSON values (inline or `@file`) so a typo in a file is named here.
 */
export interface PassFlags {
  since?: string;
  before?: string;
  folderMap?: string;
  folderRules?: string;
  mirrorDeletions?: boolean;
}

export function withPassFlags(cmd: Command): Command {
  return cmd
    .option('--since <date|age>', 'copy only mail received on or after this: 2024-01-31 or an age like 365d')
    .option(
      '--before <date|age>',
      'copy only mail received before this, e.g. 90d to pre-stage mail older than 90 days',
    )
    .option('--folder-map <json|@file>', 'explicit folder mapping, e.g. \'{"Inbox/Old": "Archive/Old"}\'')
    .option('--folder-rules <json|@file>', 'mapping rules, e.g. \'[{"match": "^(.*)$", "to": "Legacy/$1"}]\'')
    .option('--mirror-deletions', 'incremental passes delete from the target what was deleted on the source');
}

function jsonValue(flag: string, value: string): unknown {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = readFileSync(value.slice(1), 'utf8');
    } catch (e) {
      throw badInput(
        'REQUEST_INVALID',
        `${flag} ${value}: ${(e as NodeJS.ErrnoException).code ?? 'cannot be read'}`,
      );
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    throw badInput(
      'REQUEST_INVALID',
      `${flag}: not valid JSON; write it like '{"Inbox/Old": "Archive/Old"}'`,
    );
  }
}

/** The flags given, as batch options (only those given). */
export function passOptions(flags: PassFlags): Record<string, unknown> {
  return {
    ...(flags.since ? { since: flags.since } : {}),
    ...(flags.before ? { before: flags.before } : {}),
    ...(flags.folderMap ? { folderMap: jsonValue('--folder-map', flags.folderMap) } : {}),
    ...(flags.folderRules ? { folderRules: jsonValue('--folder-rules', flags.folderRules) } : {}),
    ...(flags.mirrorDeletions !== undefined ? { mirrorDeletions: flags.mirrorDeletions } : {}),
  };
}

/** The same options as query-string fields (objects as JSON text), for a CSV sent as the body. */
export function passQuery(flags: PassFlags): Record<string, string | boolean> {
  return Object.fromEntries(
    Object.entries(passOptions(flags)).map(([k, v]) => [
      k,
      typeof v === 'object' ? JSON.stringify(v) : (v as string | boolean),
    ]),
  );
}
