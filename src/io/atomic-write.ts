import { chmodSync, closeSync, constants, fchmodSync, fsync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/**
 * A new file, created with O_EXCL and its final mode (never a chmod afterwards, so
 * a key is never readable by others, not even for a moment). `sync: false` leaves
 * the fsync to a later fsyncAll(), which a writer awaits before anyone can be
 * pointed at the file.
 */
export function writeNewFile(path: string, contents: string | Uint8Array, mode: number, { sync = true } = {}): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode & 0o600);
  try {
    fchmodSync(fd, mode); // a umask may have narrowed it (nginx's workers must read htpasswd); the file is still empty
    writeSync(fd, typeof contents === 'string' ? Buffer.from(contents) : contents);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * fsync of files and directories, all at once on the thread pool: the file system
 * commits them together instead of one journal flush after another.
 */
export async function fsyncAll(paths: Iterable<string>): Promise<void> {
  // Opening is quick and stays here; only the fsyncs, which wait on the disk, go to the pool.
  const fds: number[] = [];
  try {
    for (const path of new Set(paths)) fds.push(openSync(path, constants.O_RDONLY));
    await Promise.all(fds.map((fd) => new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())))));
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/**
 * Replaces one file through a temp file in the same directory, then rename: readers
 * see the old file or the new one, never half of either. For files outside a bundle
 * (timer units), where one file is the whole set.
 */
export function writeFileAtomic(path: string, contents: string | Uint8Array, mode: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    writeNewFile(tmp, contents, mode);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dirname(path));
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** mkdir -p with a mode, one level at a time: Node's recursive mkdir spins forever on some paths (under /proc, say). */
export function makeDirs(dir: string, mode = 0o755): void {
  try {
    makeDir(dir, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw err;
    makeDirs(dirname(dir), mode);
    makeDir(dir, mode);
  }
}

/** One new directory with exactly this mode, whatever the umask; EEXIST if it is there already. */
export function makeDir(dir: string, mode = 0o755): void {
  mkdirSync(dir, { mode });
  chmodSync(dir, mode); // still empty: the umask may have narrowed it
}
