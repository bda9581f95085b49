import { UsageError } from '../../errors.js';
import { parseDir, parsePort } from '../../options/values.js';
import { parseMirrorValue } from '../../mirrors/upstreams.js';

/** Flags as commander hands them over. */
export interface MirrorFlags {
  dir?: string;
  port?: string;
  credentialsStdin?: boolean;
  force?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export interface MirrorOptions {
  dir: string;
  /** As given: checked here, and again against the bundle's mirrors in the plan. */
  value: string;
  upstream: string;
  port?: number;
  credentialsStdin: boolean;
  force: boolean;
  dryRun: boolean;
}

/** Flags alone, before the bundle is read: a bad value is one line naming its flag. */
export function resolveMirrorFlags(value: string, flags: MirrorFlags, forRemoval = false): MirrorOptions {
  const dir = parseDir(flags.dir ?? './registry');
  // rm takes the name alone; a NAME=URL there would suggest it removes by URL.
  if (forRemoval && value.includes('=')) throw new UsageError(`mirror rm ${JSON.stringify(value)}: name the upstream only (as mirror ls shows it)`);
  const upstream = forRemoval ? parseMirrorValue(`${value}=https://removed.invalid`, 'mirror rm').upstream : parseMirrorValue(value, 'mirror add').upstream;
  const port = flags.port === undefined ? undefined : parsePort(flags.port, '--port');
  return { dir, value, upstream, ...(port !== undefined && { port }), credentialsStdin: Boolean(flags.credentialsStdin), force: Boolean(flags.force), dryRun: Boolean(flags.dryRun) };
}
