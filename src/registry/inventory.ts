import type { FetchedManifest, RegistryClient } from './client.js';
import { isImageConfig, layerBytes, parseImageConfig, platformName, type Descriptor } from './manifests.js';

/** One platform's image: under an index, or the image itself. */
export interface PlatformImage {
  platform: string;
  digest: string;
  /** Compressed bytes of its layers. */
  size: number;
  /** From the image config; null when it has none. */
  created: string | null;
}

export interface TagImage {
  tag: string;
  digest: string;
  mediaType: string;
  kind: 'image' | 'index' | 'other';
  /** An image's layers; an index's layers over all its platforms, each counted once; null for anything else. */
  size: number | null;
  /** An image's; an index's newest platform's. */
  created: string | null;
  /** An image's platform (from its config). */
  platform?: string;
  /** An index's images, in its order. */
  platforms?: PlatformImage[];
}

export interface RepoImages {
  name: string;
  tags: TagImage[];
}

export type InventoryProgress = (done: number, total: number) => void;

const newest = (dates: (string | null)[]): string | null =>
  dates.filter((d): d is string => d !== null).sort().at(-1) ?? null;

/**
 * Every tag of every repository, read in parallel (the client bounds how many
 * requests are in flight). Blobs and manifests are content-addressed, so a
 * config or an index's child shared by many tags is fetched once.
 */
export async function readInventory(client: RegistryClient, repos: string[], progress: InventoryProgress = () => {}): Promise<RepoImages[]> {
  const configs = new Map<string, Promise<{ created: string | null; platform: string }>>();
  const manifests = new Map<string, Promise<FetchedManifest>>();
  const once = <T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> => {
    let p = cache.get(key);
    if (!p) cache.set(key, (p = load()));
    return p;
  };
  const config = (repo: string, d: Descriptor) =>
    once(configs, d.digest, async () => (isImageConfig(d) ? parseImageConfig(await client.blob(repo, d.digest)) : { created: null, platform: 'unknown/unknown' }));

  const platformImage = async (repo: string, d: Descriptor): Promise<PlatformImage & { layers: Descriptor[] }> => {
    const child = await once(manifests, d.digest, () => client.manifest(repo, d.digest));
    const m = child.manifest;
    if (m.kind !== 'image') return { platform: platformName(d.platform), digest: d.digest, size: 0, created: null, layers: [] };
    const c = await config(repo, m.config);
    return { platform: d.platform ? platformName(d.platform) : c.platform, digest: d.digest, size: layerBytes([m.layers]), created: c.created, layers: m.layers };
  };

  const describeTag = async (repo: string, tag: string): Promise<TagImage> => {
    const { digest, manifest: m } = await client.manifest(repo, tag);
    if (m.kind === 'image') {
      const c = await config(repo, m.config);
      return { tag, digest, mediaType: m.mediaType, kind: 'image', size: layerBytes([m.layers]), created: c.created, platform: c.platform };
    }
    if (m.kind === 'index') {
      const children = await Promise.all(m.manifests.map((d) => platformImage(repo, d)));
      return {
        tag, digest, mediaType: m.mediaType, kind: 'index',
        size: layerBytes(children.map((c) => c.layers)),
        created: newest(children.map((c) => c.created)),
        platforms: children.map(({ layers: _, ...p }) => p),
      };
    }
    return { tag, digest, mediaType: m.mediaType, kind: 'other', size: null, created: null };
  };

  let done = 0;
  let total = 0;
  return Promise.all(repos.map(async (name) => {
    const tags = (await client.tags(name)).sort(byName);
    total += tags.length;
    progress(done, total);
    const described = await Promise.all(tags.map(async (tag) => {
      const t = await describeTag(name, tag);
      progress(++done, total);
      return t;
    }));
    return { name, tags: described };
  }));
}

/** Tags in the order people read them: v2 before v10. */
export function byName(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** tag → digest for one repository, by HEAD only (what rm needs to see which tags share a digest). */
export async function readTagDigests(client: RegistryClient, repo: string): Promise<Map<string, string>> {
  const tags = await client.tags(repo);
  const pairs = await Promise.all(tags.map(async (tag) => [tag, await client.manifestDigest(repo, tag)] as const));
  return new Map(pairs.filter((p): p is readonly [string, string] => p[1] !== null));
}
