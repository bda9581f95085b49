import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { FailError } from '../errors.js';
import { CURRENT, DATA_DIR, GEN_DIR, OWNER_FILE, PARENT_FILE, STORES, WRITTEN_FILE, generationId, linkTarget, storeOf, type StoreName } from '../bundle/layout.js';
import { fsyncAll, fsyncDir, makeDirs, writeNewFile } from './atomic-write.js';
import { type WrittenFile } from './file-plan.js';
import { currentGeneration, readTree, sha256, storeEntriesOf, writtenHashes, type StoreEntries, type StoredFile } from './generations.js';
import { markCommitted, onInterrupt } from './interrupt.js';
import { pruneGenerations } from './bundle-sweep.js';
import { buildGeneration, ensureLinks, freshEntries, switchCurrent, topLevel } from './generation-build.js';
import { adoptFlatBundle } from './bundle-adopt.js';

/**
 * The one writer of bundles (bundle/layout.ts says why it works this way). Two policies:
 * - createBundle: a new bundle is built beside its final place and appears with one rename;
 * - commitChange: a new generation (the current one with some files replaced, or a fresh
 *   set) is built next to the live one, and one rename of .gen/current commits it.
 * (returnToGeneration, a third, undoes a temporary change.)
 * Either way the commit is a single rename(2), so a reader, container or command, sees
 * the bundle wholly as before or wholly as after, whenever the process dies.
 */

export interface WriteContext {
  now: Date;
  random: (bytes: number) => Uint8Array;
}

export interface Change {
  files: readonly WrittenFile[];
  /** Start from nothing rather than from the current generation (init --force). */
  fresh?: boolean;
  /** Paths to leave out of the new generation. */
  remove?: readonly string[];
}

export interface CommitResult {
  dir: string;
  generation: string;
  /** The generation replaced, kept under .gen/ as the backup; null for a new bundle. */
  previous: string | null;
}

/** A new bundle in an absent or empty directory: built in a staging directory beside it, then one rename. */
export async function createBundle(dirArg: string, files: readonly WrittenFile[], ctx: WriteContext): Promise<CommitResult> {
  const dir = resolve(dirArg);
  const parent = dirname(dir);
  let staging: string;
  try {
    makeDirs(parent);
    staging = mkdtempSync(join(parent, `.${basename(dir)}.staging-`)); // 0700: the bundle's own mode
  } catch (err) {
    throw new FailError(`cannot write to ${dirArg}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const forget = onInterrupt(() => rmSync(staging, { recursive: true, force: true }));
  const gen = generationId(ctx.now, ctx.random(3));
  try {
    // Tells a sweep this staging is alive. No fsync: after a crash its pid is dead, and the staging goes either way.
    writeNewFile(join(staging, OWNER_FILE), `${process.pid}\n`, 0o600, { sync: false });
    const { entries, fresh } = freshEntries(gen, files);
    const written = buildGeneration(staging, gen, files.map(toStored), entries, fresh, null, hashesOf(files));
    symlinkSync(gen, join(staging, GEN_DIR, CURRENT));
    ensureLinks(staging, topLevel(files), { sync: false });
    makeDirs(join(staging, DATA_DIR));
    await fsyncAll([...written, staging]);
    renameSync(staging, dir); // rename(2) may replace an empty directory
    markCommitted();
    // Only now: until the rename, the owner file keeps a concurrent sweep off a live staging directory.
    try {
      unlinkSync(join(dir, OWNER_FILE)); // not rmSync: that loads Node's rimraf for one file
    } catch {
      // gone already; it only ever kept sweeps off
    }
    fsyncDir(parent);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if ((err as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new FailError(`${dirArg} is no longer empty (another init?); nothing was written`);
    }
    throw new FailError(`cannot write the bundle in ${dirArg}: ${(err as Error).message}`);
  } finally {
    forget();
  }
  return { dir, generation: gen, previous: null };
}

/**
 * A new generation committed in place. The caller holds the bundle lock. Files the change
 * does not name are carried over from the current generation, unless `fresh`.
 */
export async function commitChange(dirArg: string, change: Change, ctx: WriteContext): Promise<CommitResult> {
  const dir = resolve(dirArg);
  const previous = currentGeneration(dir) ?? (await adoptFlatBundle(dir, ctx));
  const carried = previous && !change.fresh ? currentFiles(dir, previous) : [];
  const replaced = new Set([...change.files.map((f) => f.path), ...(change.remove ?? [])]);
  const files = [...carried.filter((f) => !replaced.has(f.path)), ...change.files.map(toStored)];
  const gen = generationId(ctx.now, ctx.random(3));
  // A store gets a new entry when the change touches it; otherwise the new generation links the current one.
  const touched = (store: StoreName) => change.fresh || [...replaced].some((p) => storeOf(p) === store);
  const inTouchedStore = (f: StoredFile) => {
    const store = storeOf(f.path);
    return store !== null && touched(store);
  };
  const { entries: newEntries, fresh } = freshEntries(gen, files.filter(inTouchedStore));
  const entries: StoreEntries = { ...(previous && !change.fresh ? storeEntriesOf(dir, previous) : {}), ...newEntries };
  for (const store of Object.keys(STORES) as StoreName[]) if (touched(store) && !fresh.has(store)) delete entries[store];
  const genDir = join(dir, GEN_DIR, gen);
  // The undo below removes genDir: it must never be one that exists (the same millisecond and random bytes).
  if (existsSync(genDir)) throw new FailError(`cannot write the bundle in ${dirArg}: generation ${gen} exists already; run it again`);
  const undo = () => {
    rmSync(genDir, { recursive: true, force: true });
    for (const store of fresh) rmSync(join(dir, STORES[store], entries[store]!), { recursive: true, force: true });
  };
  const forget = onInterrupt(undo);
  let switched = false;
  try {
    chmodSync(dir, 0o700); // a bundle holds keys and hashes, whatever mode the directory had
    makeDirs(join(dir, GEN_DIR));
    // Carried files keep the hash they were written with, so a hand edit stays visible.
    const before = previous ? writtenHashes(dir, previous) : {};
    const carriedHashes = Object.fromEntries(carried.filter((f) => !replaced.has(f.path) && before[f.path]).map((f) => [f.path, before[f.path]!]));
    const written = buildGeneration(dir, gen, files, entries, fresh, previous, { ...carriedHashes, ...hashesOf(change.files) });
    ensureLinks(dir, topLevel(files), { sync: false });
    makeDirs(join(dir, DATA_DIR));
    await fsyncAll([...written, dir]);
    switchCurrent(dir, gen, ctx.random);
    switched = true;
  } catch (err) {
    if (!switched) {
      undo();
      throw new FailError(`cannot write the bundle in ${dirArg}: ${(err as Error).message}; nothing was changed`);
    }
    throw err;
  } finally {
    forget();
  }
  dropStaleLinks(dir);
  pruneGenerations(dir);
  return { dir, generation: gen, previous };
}

/**
 * The third policy: an earlier generation made current again, by the same one rename.
 * For a temporary change only (gc's read-only window): the generation returned to is
 * the one it replaced, byte for byte, with the hashes it was written with, so a hand
 * edit stays visible to `upgrade`, and the kept history is as if the temporary
 * generation had never been (the next prune drops it). The caller holds the bundle
 * lock, and keeps its own Ctrl-C rule: this is not the command's commit. Returns false
 * when `gen` is current already.
 */
export function returnToGeneration(dirArg: string, gen: string): boolean {
  const dir = resolve(dirArg);
  if (currentGeneration(dir) === gen) return false;
  if (!existsSync(join(dir, GEN_DIR, gen))) throw new FailError(`${join(dir, GEN_DIR, gen)} is gone, so the normal config cannot be brought back; run registry-setup upgrade --force to write it anew`);
  switchCurrent(dir, gen, (n) => randomBytes(n), false);
  dropStaleLinks(dir);
  pruneGenerations(dir);
  return true;
}

/** The current generation's files, its stores' included, as paths relative to the bundle. */
function currentFiles(dir: string, gen: string): StoredFile[] {
  const own = readTree(join(dir, GEN_DIR, gen), (rel) => rel === PARENT_FILE || rel === WRITTEN_FILE || storeOf(rel) !== null);
  const stored = Object.entries(storeEntriesOf(dir, gen)).flatMap(([store, entry]) =>
    readTree(join(dir, STORES[store as StoreName], entry)).map((f) => ({ ...f, path: `${store}/${f.path}` })));
  return [...stored, ...own];
}

/** Hashes of the files in .gen only: it is mounted into containers, and even a key's hash has no business there. */
const hashesOf = (files: readonly WrittenFile[]) => Object.fromEntries(files.filter((f) => storeOf(f.path) === null).map((f) => [f.path, sha256(f.contents)]));

const toStored = (f: WrittenFile): StoredFile => ({ path: f.path, contents: Buffer.from(f.contents), mode: f.mode });

/**
 * Top-level links into .gen/current that the current generation no longer fills go:
 * nginx/ after a change away from proxy mode, gc's maintenance/ after its window.
 */
function dropStaleLinks(dir: string): void {
  for (const name of readdirSync(dir)) {
    try {
      if (lstatSync(join(dir, name)).isSymbolicLink() && readlinkSync(join(dir, name)) === linkTarget(name) && !existsSync(join(dir, name))) rmSync(join(dir, name));
    } catch {
      // gone meanwhile: nothing to drop
    }
  }
}
