import { lstatSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DATA_DIR } from '../bundle/layout.js';
import { CONTAINER_PATHS } from '../render/registry-config.js';

/**
 * The registry's filesystem storage as the host sees it (the bundle's data/, mounted
 * at /var/lib/registry). gc reads blob sizes here to say what it freed, and removes
 * repositories left without a tag, which garbage-collect itself keeps in the catalog
 * (distribution#2434).
 */
const V2 = ['docker', 'registry', 'v2'];

/** DIR/data when config.yml keeps filesystem storage at the mounted path; null for S3 or a path we do not mount. */
export function hostStorageRoot(dir: string, configText: string): string | null {
  let config: { storage?: { filesystem?: { rootdirectory?: unknown } } } | null;
  try {
    config = parse(configText) as typeof config;
  } catch {
    return null;
  }
  const root = config?.storage?.filesystem?.rootdirectory;
  return root === CONTAINER_PATHS.data ? join(dir, DATA_DIR, ...V2) : null;
}

const list = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/** sha256 hex → size in bytes of every blob stored. */
export function blobSizes(storageRoot: string): Map<string, number> {
  const sizes = new Map<string, number>();
  const base = join(storageRoot, 'blobs', 'sha256');
  for (const prefix of list(base)) {
    for (const hex of list(join(base, prefix))) {
      try {
        sizes.set(hex, statSync(join(base, prefix, hex, 'data')).size);
      } catch {
        // a blob directory without data: nothing to count
      }
    }
  }
  return sizes;
}

export const blobExists = (storageRoot: string, hex: string): boolean => {
  try {
    statSync(join(storageRoot, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'));
    return true;
  } catch {
    return false;
  }
};

const isDir = (path: string) => {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
};

/**
 * Repositories in the catalog (a directory with _manifests) with no tag left. A
 * repository may hold others below it (`a` and `a/b`), so the walk goes on inside.
 */
export function taglessRepositories(storageRoot: string): string[] {
  const found: string[] = [];
  const walk = (rel: string) => {
    const abs = join(storageRoot, 'repositories', rel);
    if (rel && isDir(join(abs, '_manifests')) && list(join(abs, '_manifests', 'tags')).length === 0) found.push(rel);
    for (const name of list(abs)) if (!name.startsWith('_') && isDir(join(abs, name))) walk(rel ? `${rel}/${name}` : name);
  };
  walk('');
  return found.sort();
}

/**
 * Removes a repository's own data (_manifests, _layers, _uploads) so it leaves the
 * catalog; a repository nested below it stays, and emptied parents go.
 */
export function removeRepository(storageRoot: string, name: string): void {
  const repos = join(storageRoot, 'repositories');
  for (const part of ['_manifests', '_layers', '_uploads']) rmSync(join(repos, name, part), { recursive: true, force: true });
  for (let rel = name; rel && rel !== '.'; rel = rel.split('/').slice(0, -1).join('/')) {
    if (list(join(repos, rel)).length > 0) break;
    rmSync(join(repos, rel), { recursive: true, force: true });
  }
}
