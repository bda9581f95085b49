import { createHash } from 'node:crypto';

/** The four manifest kinds a registry holds today. Without them in Accept, a registry may serve (and digest) another form. */
export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerList, MEDIA.dockerManifest].join(', ');

/** Config blobs of runnable images; anything else (a Helm chart, an SBOM) has no `created` to read. */
const IMAGE_CONFIGS = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

export type ParsedManifest =
  | { kind: 'image'; mediaType: string; config: Descriptor; layers: Descriptor[] }
  | { kind: 'index'; mediaType: string; manifests: Descriptor[] }
  | { kind: 'other'; mediaType: string };

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

const isDescriptor = (d: unknown): d is Descriptor => {
  const o = d as Descriptor | null;
  return typeof o?.digest === 'string' && typeof o.size === 'number';
};

/**
 * What a manifest is, from its body (the Content-Type header is a fallback: a
 * manifest's own mediaType field is what was pushed and digested).
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  let json: { mediaType?: unknown; manifests?: unknown; config?: unknown; layers?: unknown };
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { kind: 'other', mediaType: contentType ?? 'unknown' };
  }
  const mediaType = typeof json.mediaType === 'string' ? json.mediaType : (contentType?.split(';')[0]?.trim() ?? 'unknown');
  if (Array.isArray(json.manifests) && json.manifests.every(isDescriptor)) return { kind: 'index', mediaType, manifests: json.manifests };
  if (isDescriptor(json.config) && Array.isArray(json.layers) && json.layers.every(isDescriptor)) {
    return { kind: 'image', mediaType, config: json.config, layers: json.layers };
  }
  return { kind: 'other', mediaType };
}

export function isImageConfig(d: Descriptor): boolean {
  return d.mediaType === undefined || IMAGE_CONFIGS.has(d.mediaType);
}

/** "linux/arm64/v8", as docker spells a platform; "unknown" where a field is missing (attestations carry unknown/unknown). */
export function platformName(p: { os?: unknown; architecture?: unknown; variant?: unknown } | undefined): string {
  const part = (v: unknown) => (typeof v === 'string' && v ? v : 'unknown');
  return [part(p?.os), part(p?.architecture), ...(typeof p?.variant === 'string' && p.variant ? [p.variant] : [])].join('/');
}

/** The image config fields images and prune read: when it was built, and for what. */
export function parseImageConfig(body: Buffer): { created: string | null; platform: string } {
  try {
    const c = JSON.parse(body.toString('utf8')) as { created?: unknown; os?: unknown; architecture?: unknown; variant?: unknown };
    const created = typeof c.created === 'string' && !Number.isNaN(Date.parse(c.created)) ? new Date(c.created).toISOString() : null;
    return { created, platform: platformName(c) };
  } catch {
    return { created: null, platform: 'unknown/unknown' };
  }
}

/** The compressed size of an image: its layers, each counted once. */
export function layerBytes(layerLists: Descriptor[][]): number {
  const seen = new Map<string, number>();
  for (const layers of layerLists) for (const l of layers) seen.set(l.digest, l.size);
  let total = 0;
  for (const size of seen.values()) total += size;
  return total;
}
