import { isInteractive, requireYesWithoutTerminal } from '../../io/confirm.js';
import { parseDir } from '../../options/values.js';

/** Flags as commander hands them to gc. */
export interface GcFlags {
  dir?: string;
  dryRun?: boolean;
  deleteUntagged?: boolean;
  force?: boolean;
  yes?: boolean;
  json?: boolean;
}

export interface GcOptions {
  dir: string;
  dryRun: boolean;
  deleteUntagged: boolean;
  force: boolean;
  yes: boolean;
  /** A person at a terminal, who is asked before anything is deleted. */
  interactive: boolean;
  json: boolean;
}

/** Checked before the bundle is read: a script without --yes exits 2 with nothing touched. */
export function resolveGcFlags(flags: GcFlags, interactive = isInteractive()): GcOptions {
  const opts: GcOptions = {
    dir: parseDir(flags.dir ?? './registry'),
    dryRun: Boolean(flags.dryRun),
    deleteUntagged: Boolean(flags.deleteUntagged),
    force: Boolean(flags.force),
    yes: Boolean(flags.yes),
    interactive,
    json: Boolean(flags.json),
  };
  requireYesWithoutTerminal('gc', opts);
  return opts;
}
