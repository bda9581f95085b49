import type { RepoImages } from '../../registry/inventory.js';

/** The repositories to read: the ones named, in the order given, else the catalog's, sorted. */
export function planRepos(named: string[], catalog: string[] | null): string[] {
  return named.length > 0 ? named : [...(catalog ?? [])].sort();
}

/** The --json document: everything the table shows, digests and sizes unabridged. */
export function imagesDocument(registry: string, repos: RepoImages[]) {
  return { registry, repositories: repos };
}
