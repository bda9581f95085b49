/**
 * The registry image a bundle pins, read as data: which release it is, whether it is
 * older than the one this registry-setup pins, and which known CVEs that costs.
 */

export interface ImageRef {
  /** Everything before the tag: `registry`, `mirror.lan:5000/library/registry`. */
  repository: string;
  /** null for an untagged or digest-pinned reference. */
  tag: string | null;
  /** The tag as numbers (`2` → [2], `3.1.1` → [3, 1, 1]); null when the tag is no version (latest, a digest). */
  version: number[] | null;
}

export function parseImage(image: string): ImageRef {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  // A colon after the last slash is the tag's; one before it belongs to a registry host:port.
  const colon = name.lastIndexOf(':');
  const hasTag = colon > name.lastIndexOf('/');
  const repository = hasTag ? name.slice(0, colon) : name;
  const tag = at >= 0 ? null : hasTag ? name.slice(colon + 1) : null;
  const m = tag === null ? null : /^v?(\d+(?:\.\d+){0,2})$/.exec(tag);
  return { repository, tag, version: m ? m[1]!.split('.').map(Number) : null };
}

/** Missing parts count as 0, so `2` < `2.8.3` < `3`. */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const isRegistryRepository = (repository: string) => repository === 'registry' || repository.endsWith('/registry');

/** The major release an image runs, as far as its tag tells: `registry:2.8.3` → 2; null when it does not say. */
export function registryMajor(image: string): number | null {
  return parseImage(image).version?.[0] ?? null;
}

/**
 * Known vulnerabilities of the registry, by the release that fixed them. `since` is
 * the oldest release known to have it: a CVE is only named for images from there
 * on, never guessed for older lines (2.x) nobody checked.
 */
export const REGISTRY_CVES: readonly { id: string; since: string; fixedIn: string }[] = [
  { id: 'CVE-2026-35172', since: '3.0.0', fixedIn: '3.1.0' },
  { id: 'CVE-2026-33540', since: '3.0.0', fixedIn: '3.1.0' },
  { id: 'CVE-2026-41888', since: '3.0.0', fixedIn: '3.1.1' },
];

const v = (text: string) => text.split('.').map(Number);

export interface ImageAdvice {
  image: string;
  pinned: string;
  /** True when the image is a release older than the pinned one. */
  outdated: boolean;
  /** The CVEs the image has that the pinned release fixes. */
  cves: { id: string; fixedIn: string }[];
}

/** How `image` stands against `pinned`; an image that names no version (latest, a digest) is never called old. */
export function adviseImage(image: string, pinned: string): ImageAdvice {
  const ours = parseImage(image);
  const target = parseImage(pinned);
  const outdated = ours.version !== null && target.version !== null && isRegistryRepository(ours.repository)
    && compareVersions(ours.version, target.version) < 0;
  const cves = outdated
    ? REGISTRY_CVES.filter((c) => compareVersions(ours.version!, v(c.since)) >= 0 && compareVersions(ours.version!, v(c.fixedIn)) < 0
      && compareVersions(target.version!, v(c.fixedIn)) >= 0).map(({ id, fixedIn }) => ({ id, fixedIn }))
    : [];
  return { image, pinned, outdated, cves };
}

/** One line for status: what is old, what the newer one fixes, what to run. */
export function describeImageAdvice(a: ImageAdvice): string | null {
  if (!a.outdated) return null;
  const byRelease = new Map<string, string[]>();
  for (const c of a.cves) byRelease.set(c.fixedIn, [...(byRelease.get(c.fixedIn) ?? []), c.id]);
  const fixes = [...byRelease].map(([release, ids]) => `${ids.join(' and ')} (fixed in ${release})`).join(', ');
  return `the registry image ${a.image} is older than ${a.pinned}${fixes ? `, which fixes ${fixes}` : ''}: run registry-setup upgrade --reload`;
}

/**
 * The image `upgrade` writes: the pinned release under the bundle's own repository
 * (a mirror's path is kept). A newer release, an image that is not the registry, or
 * one that names no version, is left as it is: upgrading never moves backwards or
 * replaces what someone chose on purpose.
 */
export function upgradedImage(image: string, pinned: string): string {
  const ours = parseImage(image);
  const target = parseImage(pinned);
  if (!isRegistryRepository(ours.repository) || ours.version === null || target.version === null) return image;
  if (compareVersions(ours.version, target.version) >= 0) return image;
  return `${ours.repository}:${target.tag}`;
}
