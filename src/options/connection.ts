import { UsageError } from '../errors.js';
import { parseRegistryAddress } from '../pki/hosts.js';
import { validateUserName } from '../render/htpasswd.js';
import { DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT_S } from './connection-defaults.js';
import { parseDir, wholeNumber } from './values.js';

/** The flags every command that talks to a running registry takes (commands/connection-options.ts declares them). */
export interface ConnectionFlags {
  dir?: string;
  registry?: string;
  ca?: string;
  insecure?: boolean;
  user?: string;
  passwordStdin?: boolean;
  concurrency?: string;
  timeout?: string;
  pageSize?: string;
}

export interface ConnectionOptions {
  dir: string;
  /** --dir was typed: with --registry, the bundle's CA (or its insecure mode) still applies. */
  dirGiven: boolean;
  registry: string | undefined;
  ca: string | undefined;
  insecure: boolean;
  user: string | undefined;
  passwordStdin: boolean;
  concurrency: number;
  timeoutMs: number;
  /** ?n= on catalog and tag lists; undefined lets the registry choose (100 on 2.8 and 3.x). */
  pageSize: number | undefined;
}


/** Every connection flag checked before anything is read or dialled. */
export function parseConnectionFlags(flags: ConnectionFlags): ConnectionOptions {
  if ((flags.ca || flags.insecure) && !flags.registry) {
    throw new UsageError(`${flags.ca ? '--ca' : '--insecure'} goes with --registry HOST:PORT; a bundle (--dir) brings its own CA and mode`);
  }
  if (flags.ca && flags.insecure) throw new UsageError('--ca and --insecure exclude each other: plain HTTP has no certificate to trust');
  if (flags.passwordStdin && !flags.user) throw new UsageError('--password-stdin needs --user NAME: whose password it is');
  if (flags.registry) parseRegistryAddress(flags.registry);
  return {
    dir: parseDir(flags.dir ?? './registry'),
    dirGiven: flags.dir !== undefined,
    registry: flags.registry,
    ca: flags.ca,
    insecure: Boolean(flags.insecure),
    user: flags.user === undefined ? undefined : validateUserName(flags.user, '--user'),
    passwordStdin: Boolean(flags.passwordStdin),
    concurrency: flags.concurrency === undefined ? DEFAULT_CONCURRENCY : wholeNumber(flags.concurrency, '--concurrency', 1, 64),
    timeoutMs: 1000 * (flags.timeout === undefined ? DEFAULT_TIMEOUT_S : wholeNumber(flags.timeout, '--timeout', 1, 3600)),
    pageSize: flags.pageSize === undefined ? undefined : wholeNumber(flags.pageSize, '--page-size', 1, 1000),
  };
}
