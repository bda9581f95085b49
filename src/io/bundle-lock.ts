import { closeSync, constants, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { FailError } from '../errors.js';
import { LOCK_FILE } from '../bundle/layout.js';
import { onInterrupt } from './interrupt.js';

/**
 * One writer at a time per bundle. Two commands that each build a generation from
 * the current one would otherwise both commit, and the second would silently drop
 * the first one's change; and the sweep of an interrupted run's leftovers must
 * never remove a generation that a live command is still building.
 *
 * The lock is a file made with O_EXCL that holds the owner's pid and host. One left
 * by a killed process is stale: its pid no longer runs here.
 */
export interface Lock {
  release(): void;
  /** Set when a stale lock of a killed run was taken over. */
  staleFrom?: number;
}

function ownerAlive(text: string): boolean {
  const [pid, host] = text.split('\n');
  if (host && host !== hostname()) return true; // another machine's: never ours to break
  const n = Number(pid);
  if (!Number.isInteger(n) || n <= 0) return false;
  try {
    process.kill(n, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Takes the lock, or returns null when a live process holds it. */
export function tryLock(dir: string): Lock | null {
  const file = join(dir, LOCK_FILE);
  let staleFrom: number | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      writeSync(fd, `${process.pid}\n${hostname()}\n`);
      closeSync(fd);
      const forget = onInterrupt(() => rmSync(file, { force: true }));
      return { release: () => (forget(), rmSync(file, { force: true })), ...(staleFrom !== undefined && { staleFrom }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // released meanwhile
    }
    if (ownerAlive(text)) return null;
    staleFrom = Number(text.split('\n')[0]) || 0;
    // Read again just before removing: another command may have taken the stale lock over meanwhile.
    // (Two that both take over within this instant can still collide; that needs a crash and a race at once.)
    if (readOrNull(file) === text) rmSync(file, { force: true });
  }
  return null;
}

export function acquireLock(dir: string): Lock {
  const lock = tryLock(dir);
  if (lock) return lock;
  let owner = '';
  try {
    owner = ` (pid ${readFileSync(join(dir, LOCK_FILE), 'utf8').split('\n')[0]})`;
  } catch {
    // gone already; the message still holds
  }
  throw new FailError(`another registry-setup command${owner} is changing ${dir}; run this again when it has finished`);
}
