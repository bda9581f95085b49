import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CURRENT, GEN_DIR, KEEP_GENERATIONS, PARENT_FILE, STORES, WRITTEN_FILE, isGenerationName, type StoreName } from '../bundle/layout.js';

/** Reading the generation store (bundle/layout.ts explains it); nothing here writes. */

function readlinkOrNull(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

/** The live generation's name (g-ID), or null in a bundle that has none yet (or an old flat one). */
export function currentGeneration(dir: string): string | null {
  const target = readlinkOrNull(join(dir, GEN_DIR, CURRENT));
  return target !== null && isGenerationName(target) ? target : null;
}

export function parentOf(dir: string, gen: string): string | null {
  try {
    const id = readFileSync(join(dir, GEN_DIR, gen, PARENT_FILE), 'utf8').trim();
    return isGenerationName(id) ? id : null;
  } catch {
    return null;
  }
}

/** The current generation and its kept ancestors, newest first. */
export function keptGenerations(dir: string, keep = KEEP_GENERATIONS): string[] {
  const chain: string[] = [];
  for (let g = currentGeneration(dir); g !== null && chain.length <= keep && !chain.includes(g); g = parentOf(dir, g)) {
    if (!exists(join(dir, GEN_DIR, g))) break;
    chain.push(g);
  }
  return chain;
}

/** The store entry a generation's link for `name` (ca, certs) points at. */
export function storeEntryOf(dir: string, gen: string, name: StoreName): string | null {
  const target = readlinkOrNull(join(dir, GEN_DIR, gen, name));
  const prefix = `../../${STORES[name]}/`;
  return target !== null && target.startsWith(prefix) && !target.slice(prefix.length).includes('/') ? target.slice(prefix.length) : null;
}

export type StoreEntries = Partial<Record<StoreName, string>>;

export function storeEntriesOf(dir: string, gen: string): StoreEntries {
  const entries: StoreEntries = {};
  for (const name of Object.keys(STORES) as StoreName[]) {
    const entry = storeEntryOf(dir, gen, name);
    if (entry) entries[name] = entry;
  }
  return entries;
}

export function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

export interface StoredFile {
  path: string;
  contents: Buffer;
  mode: number;
}

/** Every regular file under root, with its mode, paths relative to root; links and `skip` are left out. */
export function readTree(root: string, skip: (rel: string) => boolean = () => false, rel = ''): StoredFile[] {
  const out: StoredFile[] = [];
  for (const name of readdirSync(join(root, rel)).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    if (skip(path)) continue;
    const st = lstatSync(join(root, path));
    if (st.isDirectory()) out.push(...readTree(root, skip, path));
    else if (st.isFile()) out.push({ path, contents: readFileSync(join(root, path)), mode: st.mode & 0o777 });
  }
  return out;
}

export const sha256 = (contents: string | Uint8Array): string => createHash('sha256').update(contents).digest('hex');

/** A file on disk that no longer matches the hash registry-setup recorded when it wrote it: someone edited it since. */
export const editedByHand = (now: string | null, recorded: string | undefined): boolean => now !== null && recorded !== undefined && sha256(now) !== recorded;

/** What registry-setup wrote in a generation, path → sha256; {} for one written before this was recorded. */
export function writtenHashes(dir: string, gen: string): Record<string, string> {
  try {
    const data = JSON.parse(readFileSync(join(dir, GEN_DIR, gen, WRITTEN_FILE), 'utf8')) as unknown;
    return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, string>) : {};
  } catch {
    return {};
  }
}
