import { lstatSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CURRENT, GEN_DIR, LOCK_FILE, OWNER_FILE, STORES, TOP_LEVEL_NAMES, isGenerationName, linkTarget, type StoreName } from '../bundle/layout.js';
import { tryLock } from './bundle-lock.js';
import { currentGeneration, exists, keptGenerations, storeEntryOf } from './generations.js';

/**
 * A killed command may leave staging behind, always under names no reader uses: a
 * generation that was never committed, a temp link, a new bundle's staging directory
 * beside it (which holds a CA key), a lock. The next command, whichever it is,
 * removes them and says so in one line.
 */

const list = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/** Generations past the kept history, and store entries no kept generation names. Caller holds the lock. */
export function pruneGenerations(dir: string): string[] {
  const kept = keptGenerations(dir);
  if (kept.length === 0) return [];
  const removed: string[] = [];
  for (const name of list(join(dir, GEN_DIR))) {
    const stray = (isGenerationName(name) && !kept.includes(name)) || name.startsWith(`.${CURRENT}-`);
    if (!stray) continue;
    rmSync(join(dir, GEN_DIR, name), { recursive: true, force: true });
    removed.push(`${GEN_DIR}/${name}`);
  }
  for (const [store, storeDir] of Object.entries(STORES)) {
    const used = new Set(kept.map((g) => storeEntryOf(dir, g, store as StoreName)));
    for (const name of list(join(dir, storeDir))) {
      if (used.has(name)) continue;
      rmSync(join(dir, storeDir, name), { recursive: true, force: true });
      removed.push(`${storeDir}/${name}`);
    }
  }
  return removed;
}

function ownerAlive(staging: string): boolean {
  try {
    const pid = Number(readFileSync(join(staging, OWNER_FILE), 'utf8'));
    // 0 or garbage (a run killed before it wrote its pid) is nobody: kill(0) would ask about our own group.
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A killed link switch can leave a top-level name missing; the live generation says what it should be. */
function repairLinks(dir: string): string[] {
  const gen = currentGeneration(dir);
  if (!gen) return [];
  const repaired: string[] = [];
  for (const name of TOP_LEVEL_NAMES) {
    if (exists(join(dir, name)) || !exists(join(dir, GEN_DIR, gen, name))) continue;
    symlinkSync(linkTarget(name), join(dir, name));
    repaired.push(name);
  }
  return repaired;
}

/** Temp files of the writer before generations (FILE.tmp-*) in an old flat bundle. */
function oldTempFiles(dir: string): string[] {
  const removed: string[] = [];
  for (const sub of ['', ...TOP_LEVEL_NAMES]) {
    const d = join(dir, sub);
    try {
      if (!lstatSync(d).isDirectory()) continue;
    } catch {
      continue;
    }
    for (const name of list(d)) {
      if (!/^\..+\.tmp-[0-9a-f]+$/.test(name) && !name.startsWith('.registry-setup.staging-')) continue;
      rmSync(join(d, name), { recursive: true, force: true });
      removed.push(sub ? `${sub}/${name}` : name);
    }
  }
  return removed;
}

/**
 * Undoes a killed gc's read-only window (maintenance/restore.ts), under the lock;
 * returns the clause for the sweep's line, or null. A parameter, not an import:
 * what it needs (docker compose, a YAML editor) is heavy, and init loads it only
 * when a record is there (maintenance/restorer.ts).
 */
export type MaintenanceRestorer = (dir: string) => string | null;

/** Removes an interrupted run's leftovers in and beside DIR; returns the line to show, or null. */
export function sweepLeftovers(dir: string, restore: MaintenanceRestorer): string | null {
  const removed: string[] = [];
  const parent = dirname(dir);
  for (const name of list(parent)) {
    if (!name.startsWith(`.${basename(dir)}.staging-`) || ownerAlive(join(parent, name))) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
    removed.push(join(parent, name));
  }
  // A new bundle whose creator died between its rename and removing the owner file.
  if (exists(join(dir, OWNER_FILE)) && !ownerAlive(dir)) {
    rmSync(join(dir, OWNER_FILE), { force: true });
    removed.push(OWNER_FILE);
  }
  if (exists(join(dir, GEN_DIR)) || exists(join(dir, LOCK_FILE))) {
    const lock = tryLock(dir);
    if (!lock) return removed.length ? describe(dir, removed, []) : null; // a live command is working here: its staging is not ours
    try {
      if (lock.staleFrom !== undefined) removed.push(`.lock (of pid ${lock.staleFrom})`);
      removed.push(...pruneGenerations(dir), ...oldTempFiles(dir));
      const repaired = repairLinks(dir);
      // A gc killed in its read-only window: the stack is put back too (maintenance/restore.ts).
      return describe(dir, removed, repaired, restore(dir));
    } finally {
      lock.release();
    }
  }
  removed.push(...oldTempFiles(dir));
  return describe(dir, removed, []);
}

function describe(dir: string, removed: string[], repaired: string[], restored: string | null = null): string | null {
  if (removed.length === 0 && repaired.length === 0 && restored === null) return null;
  const parts = [
    ...(removed.length ? [`removed ${removed.map((p) => (p.startsWith('/') ? p : p)).join(', ')}`] : []),
    ...(repaired.length ? [`restored the link${repaired.length > 1 ? 's' : ''} ${repaired.join(', ')}`] : []),
    ...(restored ? [restored] : []),
  ];
  return `an interrupted run left ${dir} unfinished (nothing it had committed is lost): ${parts.join('; ')}`;
}

/** Every command that touches a bundle calls this first: it sweeps, says so in one line, and gives the absolute path. */
export function sweepBundleDir(dir: string, out: { warn(line: string): void }, restore: MaintenanceRestorer): string {
  const abs = resolve(dir);
  const note = sweepLeftovers(abs, restore);
  if (note) out.warn(note);
  return abs;
}
