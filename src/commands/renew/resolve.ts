import { parseHostValue, parseCaPair, parseDays, parseDir, parseWithin } from '../../options/values.js';

/** Flags as commander hands them to renew. */
export interface RenewFlags {
  dir?: string;
  within?: string;
  days?: string;
  force?: boolean;
  addHost?: string[];
  caCert?: string;
  caKey?: string;
  reload?: boolean;
  dryRun?: boolean;
  json?: boolean;
  installTimer?: boolean;
  root?: string;
}

export interface RenewOptions {
  dir: string;
  windowDays: number;
  days: number | undefined;
  force: boolean;
  addHosts: string[];
  ca: { certFile: string; keyFile: string } | undefined;
  reload: boolean;
  dryRun: boolean;
}

/** Every flag checked before any file is read, so a usage error never leaves anything half-done. */
export function resolveRenewFlags(flags: RenewFlags): RenewOptions {
  return {
    dir: parseDir(flags.dir ?? './registry'),
    windowDays: parseWithin(flags.within),
    days: flags.days === undefined ? undefined : parseDays(flags.days),
    force: Boolean(flags.force),
    addHosts: (flags.addHost ?? []).map((h) => parseHostValue(h, '--add-host')),
    ca: parseCaPair(flags),
    reload: Boolean(flags.reload),
    dryRun: Boolean(flags.dryRun),
  };
}
