import { isInteractive, requireYesWithoutTerminal } from '../../io/confirm.js';
import type { Output } from '../../io/output.js';
import { parseConnectionFlags, type ConnectionFlags, type ConnectionOptions } from '../../options/connection.js';
import { parseImageRef, type ImageRef } from '../../registry/refs.js';
import { resolveTarget, type RegistryTarget } from '../../registry/target.js';

export interface RmFlags extends ConnectionFlags {
  dryRun?: boolean;
  yes?: boolean;
  allTags?: boolean;
  json?: boolean;
}

export interface RmOptions {
  connection: ConnectionOptions;
  target: RegistryTarget;
  refs: ImageRef[];
  dryRun: boolean;
  yes: boolean;
  allTags: boolean;
  interactive: boolean;
}

/** Flags, then the target (the bundle's record or --registry), then the references, which may carry its address. */
export function resolveRm(refArgs: string[], flags: RmFlags, out: Pick<Output, 'warn'>, interactive = isInteractive()): RmOptions {
  const connection = parseConnectionFlags(flags);
  const confirm = { yes: Boolean(flags.yes), dryRun: Boolean(flags.dryRun), interactive };
  requireYesWithoutTerminal('rm', confirm);
  const target = resolveTarget(connection, out);
  const refs = refArgs.map((r) => parseImageRef(r, target.address));
  return { connection, target, refs, ...confirm, allTags: Boolean(flags.allTags) };
}
