import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, chmodSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { FailError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { onInterrupt } from './cleanup.js';

/** One file a command will write: the plan is data, so --dry-run and tests can read it. */
export interface PlannedFile {
  path: string; // relative to the bundle directory
  contents: string;
  mode: number;
}

export const BUNDLE_DIR_MODE = 0o700;

export function formatMode(mode: number): string {
  return `0${mode.toString(8)}`;
}

/** Which of these relative paths already exist under dir: without --force they stop init. */
export function existingPaths(dir: string, paths: readonly string[]): string[] {
  return paths.filter((p) => existsSync(join(dir, p)));
}

/** A run killed with SIGKILL cannot clean up; the next run removes what it left. */
function removeStaleStaging(parent: string, name: string): void {
  for (const entry of readdirSync(parent)) {
    if (entry.startsWith(`.${name}.staging-`)) rmSync(join(parent, entry), { recursive: true, force: true });
  }
}

/** mkdir -p one level at a time: Node's recursive mkdir spins forever on some paths (under /proc, say). */
function makeParents(dir: string): void {
  if (existsSync(dir)) return;
  makeParents(dirname(dir));
  mkdirSync(dir, { mode: 0o755 });
}

function writeTree(root: string, files: readonly PlannedFile[]): void {
  for (const f of files) {
    const full = join(root, f.path);
    mkdirSync(dirname(full), { recursive: true, mode: 0o755 });
    writeFileAtomic(full, f.contents, f.mode);
  }
}

/**
 * Writes a whole bundle so that an interruption leaves nothing half-made:
 * every file goes into a staging directory first. A new bundle appears with a
 * single rename; replacing one (--force) moves each old file into
 * .replaced-STAMP/ before its successor is renamed into place.
 */
export function applyFilePlan(dirArg: string, files: readonly PlannedFile[], stamp: string, extraDirs: string[] = []): void {
  const dir = resolve(dirArg);
  const fresh = !existsSync(dir) || readdirSync(dir).length === 0;
  const stagingParent = fresh ? dirname(dir) : dir;
  let staging: string;
  try {
    makeParents(stagingParent);
    removeStaleStaging(stagingParent, fresh ? basename(dir) : 'registry-setup');
    staging = mkdtempSync(join(stagingParent, `.${fresh ? basename(dir) : 'registry-setup'}.staging-`));
  } catch (err) {
    throw new FailError(`cannot write to ${dirArg}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const forget = onInterrupt(() => rmSync(staging, { recursive: true, force: true }));
  try {
    writeTree(staging, files);
    for (const d of extraDirs) mkdirSync(join(staging, d), { recursive: true, mode: 0o755 });
    if (fresh) {
      chmodSync(staging, BUNDLE_DIR_MODE);
      renameSync(staging, dir); // rename(2) may replace an empty directory
    } else {
      swapIn(dir, staging, files, stamp);
      for (const d of extraDirs) mkdirSync(join(dir, d), { recursive: true, mode: 0o755 });
      rmSync(staging, { recursive: true, force: true });
    }
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw new FailError(`cannot write the bundle in ${dirArg}: ${(err as Error).message}`);
  } finally {
    forget();
  }
}

function swapIn(dir: string, staging: string, files: readonly PlannedFile[], stamp: string): void {
  const backup = join(dir, `.replaced-${stamp}`);
  for (const f of files) {
    const target = join(dir, f.path);
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    if (existsSync(target)) {
      mkdirSync(dirname(join(backup, f.path)), { recursive: true, mode: 0o700 });
      renameSync(target, join(backup, f.path));
    }
    renameSync(join(staging, f.path), target);
  }
}
