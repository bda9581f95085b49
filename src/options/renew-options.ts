import { parseHost } from '../pki/hosts.js';
import { RENEWAL_WINDOW_DAYS } from '../pki/renewal.js';
import { parseCaPair, parseIntFlag } from './parse.js';

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

/** --within, shared by status and renew: 0 means only an expired certificate is due. */
export function parseWithin(value: string | undefined): number {
  return value === undefined ? RENEWAL_WINDOW_DAYS : parseIntFlag(value, '--within', 0, 3650);
}

/** Every flag checked before any file is read, so a usage error never leaves anything half-done. */
export function resolveRenewFlags(flags: RenewFlags): RenewOptions {
  const windowDays = parseWithin(flags.within);
  const days = flags.days === undefined ? undefined : parseIntFlag(flags.days, '--days', 1, 3650);
  const ca = parseCaPair(flags);
  return {
    dir: flags.dir ?? './registry',
    windowDays,
    days,
    force: Boolean(flags.force),
    addHosts: (flags.addHost ?? []).map((h) => parseHost(h, '--add-host').value),
    ca,
    reload: Boolean(flags.reload),
    dryRun: Boolean(flags.dryRun),
  };
}
