import { readlinkSync, renameSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FailError } from '../errors.js';
import { CURRENT, GEN_DIR, PARENT_FILE, STORES, WRITTEN_FILE, linkTarget, storeOf, type StoreName } from '../bundle/layout.js';
import { fsyncDir, makeDir, makeDirs, writeNewFile } from './atomic-write.js';
import type { StoreEntries, StoredFile } from './generations.js';
import { markCommitted } from './interrupt.js';

/** The steps every bundle write is made of (bundle/layout.ts says why): build, link, switch. */

const withinStore = (path: string) => path.slice(path.indexOf('/') + 1);

/**
 * Builds generation `gen` under root; nothing points at it yet. Files of a store
 * named in `fresh` go into that store's new entry; every store with an entry is
 * linked from the generation. Returns what must be fsynced before it is committed.
 */
export function buildGeneration(
  root: string, gen: string, files: readonly StoredFile[], entries: StoreEntries, fresh: ReadonlySet<StoreName>, parent: string | null,
  hashes: Record<string, string> = {},
): string[] {
  const genDir = join(root, GEN_DIR, gen);
  makeDirs(join(root, GEN_DIR));
  makeDir(genDir); // never an existing one: a failed build removes what it made, and that must never be live
  for (const store of fresh) makeDirs(join(root, STORES[store]), 0o700);
  for (const store of fresh) makeDir(join(root, STORES[store], entries[store]!), 0o700);
  const dirs = new Set<string>([genDir]);
  const written: string[] = [];
  for (const f of files) {
    const store = storeOf(f.path);
    if (store && !fresh.has(store)) continue; // carried over by its link
    const full = store ? join(root, STORES[store], entries[store]!, withinStore(f.path)) : join(genDir, f.path);
    makeDirs(dirname(full), store ? 0o700 : 0o755);
    writeNewFile(full, f.contents, f.mode, { sync: false });
    written.push(full);
    dirs.add(dirname(full));
  }
  for (const [store, entry] of Object.entries(entries)) symlinkSync(`../../${STORES[store as StoreName]}/${entry}`, join(genDir, store));
  const meta: [string, string][] = [[WRITTEN_FILE, `${JSON.stringify(hashes, Object.keys(hashes).sort(), 2)}\n`]];
  if (parent) meta.push([PARENT_FILE, `${parent}\n`]);
  for (const [name, text] of meta) {
    writeNewFile(join(genDir, name), text, 0o644, { sync: false });
    written.push(join(genDir, name));
  }
  for (const store of fresh) dirs.add(join(root, STORES[store]));
  return [...written, ...dirs, join(root, GEN_DIR)];
}

/**
 * The contract paths as links into .gen/current. A link missing before the first commit dangles: "no bundle yet".
 * `sync: false` leaves root's fsync to the caller's fsyncAll, which it awaits before the commit.
 */
export function ensureLinks(root: string, names: Iterable<string>, { sync = true } = {}): void {
  for (const name of names) {
    const path = join(root, name);
    let target: string | null = null;
    try {
      target = readlinkSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EINVAL') throw new FailError(`${path} is in the way of registry-setup's link into ${GEN_DIR}/${CURRENT}: move it away and run this again`);
      if (code !== 'ENOENT') throw err;
    }
    if (target === linkTarget(name)) continue;
    if (target !== null) throw new FailError(`${path} links to ${target}, not to ${linkTarget(name)}: move it away and run this again`);
    symlinkSync(linkTarget(name), path);
  }
  if (sync) fsyncDir(root);
}

export const topLevel = (files: readonly { path: string }[]): Set<string> => new Set(files.map((f) => f.path.split('/')[0]!));

/** The stores these files fill, each with a new entry named after the generation. */
export function freshEntries(gen: string, files: readonly { path: string }[]): { entries: StoreEntries; fresh: Set<StoreName> } {
  const fresh = new Set(files.map((f) => storeOf(f.path)).filter((s): s is StoreName => s !== null));
  return { entries: Object.fromEntries([...fresh].map((s) => [s, gen.slice(2)])), fresh };
}

/** A new link, then rename(2) over .gen/current: the commit. */
export function switchCurrent(root: string, gen: string, random: (n: number) => Uint8Array, commits = true): void {
  const tmp = join(root, GEN_DIR, `.${CURRENT}-${Buffer.from(random(4)).toString('hex')}`);
  symlinkSync(gen, tmp);
  renameSync(tmp, join(root, GEN_DIR, CURRENT));
  if (commits) markCommitted();
  fsyncDir(join(root, GEN_DIR));
}
