import { parseDir } from '../../options/values.js';

/** Flags as commander hands them to upgrade. */
export interface UpgradeFlags {
  dir?: string;
  dryRun?: boolean;
  reload?: boolean;
  force?: boolean;
  json?: boolean;
}

export interface UpgradeOptions {
  dir: string;
  dryRun: boolean;
  reload: boolean;
  force: boolean;
}

export function resolveUpgradeFlags(flags: UpgradeFlags): UpgradeOptions {
  return { dir: parseDir(flags.dir ?? './registry'), dryRun: Boolean(flags.dryRun), reload: Boolean(flags.reload), force: Boolean(flags.force) };
}
