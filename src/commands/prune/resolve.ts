import { UsageError } from '../../errors.js';
import { isInteractive, requireYesWithoutTerminal } from '../../io/confirm.js';
import { parseConnectionFlags, type ConnectionFlags, type ConnectionOptions } from '../../options/connection.js';
import { wholeNumber } from '../../options/values.js';
import { repoGlob } from '../../registry/refs.js';

export interface PruneFlags extends ConnectionFlags {
  keep?: string;
  olderThan?: string;
  repo?: string[];
  protect?: string;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

export interface PruneOptions {
  connection: ConnectionOptions;
  keep: number;
  olderThanDays: number | null;
  repos: { glob: string; pattern: RegExp }[];
  protect: { text: string; pattern: RegExp };
  dryRun: boolean;
  yes: boolean;
  interactive: boolean;
}

function parseRegex(text: string, label: string): RegExp {
  try {
    return new RegExp(text);
  } catch (err) {
    throw new UsageError(`${label} ${JSON.stringify(text)} is not a regular expression: ${(err as Error).message}`);
  }
}

export function resolvePrune(flags: PruneFlags, interactive = isInteractive()): PruneOptions {
  if (flags.keep === undefined) throw new UsageError('prune needs --keep N: how many of the newest tags each repository keeps');
  const confirm = { yes: Boolean(flags.yes), dryRun: Boolean(flags.dryRun), interactive };
  const opts: PruneOptions = {
    connection: parseConnectionFlags(flags),
    keep: wholeNumber(flags.keep, '--keep', 0, 1_000_000),
    olderThanDays: flags.olderThan === undefined ? null : wholeNumber(flags.olderThan, '--older-than', 0, 36_500),
    repos: (flags.repo ?? []).map((glob) => ({ glob, pattern: repoGlob(glob) })),
    // --protect '' protects nothing (an empty pattern would otherwise match every tag)
    protect: { text: flags.protect ?? '^latest$', pattern: flags.protect === '' ? /(?!)/ : parseRegex(flags.protect ?? '^latest$', '--protect') },
    ...confirm,
  };
  requireYesWithoutTerminal('prune', confirm);
  return opts;
}
