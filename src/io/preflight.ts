import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FailError } from '../errors.js';

/** Fails before any question or key generation when DIR could never be written. */
export function assertWritableDir(dirArg: string, flag = '--dir'): void {
  let probe = resolve(dirArg);
  while (!existsSync(probe)) probe = dirname(probe);
  if (!statSync(probe).isDirectory()) throw new FailError(`${flag} ${dirArg}: ${probe} is not a directory`);
  try {
    accessSync(probe, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new FailError(`${flag} ${dirArg} is not writable (${(err as NodeJS.ErrnoException).code} on ${probe})`);
  }
}
