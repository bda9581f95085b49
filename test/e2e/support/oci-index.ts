import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { MT, sha256, tarOneFile } from './oci-image.js';
import { writeAuthFile, type SkopeoResult } from './skopeo.js';

/**
 * OCI layouts with what oci-image.ts leaves out: a chosen `created` time and
 * platform in each config, several layers, and indexes over several platforms.
 * Each builder returns what `images --json` must then report, byte for byte.
 */


async function blob(dir: string, data: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(data);
  await mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(path.join(dir, 'blobs', 'sha256', digest.slice(7)), data);
  return { digest, size: data.length };
}

export interface ImageSpec {
  /** Distinct payloads give distinct layers, hence distinct digests. */
  payloads: string[];
  created?: string;
  os?: string;
  architecture?: string;
  variant?: string;
}

export interface BuiltImage {
  digest: string;
  /** The manifest's own size in bytes (an index's descriptor needs it). */
  manifestSize: number;
  /** Compressed bytes of the layers: what `images` reports as size. */
  size: number;
  layers: { digest: string; size: number }[];
  created: string | null;
  platform: string;
  mediaType: string;
}

/** Writes an image's blobs (not tagged); tag it with tagLayout, or put it under an index. */
export async function buildImage(dir: string, spec: ImageSpec): Promise<BuiltImage> {
  const tars = spec.payloads.map((p, i) => tarOneFile(`file-${i}.txt`, Buffer.from(p)));
  const layers = await Promise.all(tars.map(async (t) => ({ mediaType: MT.layer, ...(await blob(dir, gzipSync(t))) })));
  const os = spec.os ?? 'linux';
  const architecture = spec.architecture ?? 'amd64';
  const config = await blob(dir, Buffer.from(JSON.stringify({
    ...(spec.created && { created: spec.created }), architecture, os, ...(spec.variant && { variant: spec.variant }),
    config: {}, rootfs: { type: 'layers', diff_ids: tars.map(sha256) },
  })));
  const manifest = await blob(dir, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.manifest, config: { mediaType: MT.config, ...config }, layers })));
  return {
    digest: manifest.digest, manifestSize: manifest.size, size: layers.reduce((n, l) => n + l.size, 0), layers: layers.map(({ digest, size }) => ({ digest, size })),
    created: spec.created ? new Date(spec.created).toISOString() : null,
    platform: [os, architecture, ...(spec.variant ? [spec.variant] : [])].join('/'), mediaType: MT.manifest,
  };
}

/** An OCI index over images, each entry carrying its platform, as buildx writes them. */
export async function buildIndex(dir: string, images: (BuiltImage & { os?: string; architecture?: string; variant?: string })[]): Promise<{ digest: string; manifestSize: number; mediaType: string }> {
  const manifests = images.map((img) => {
    const [os, architecture, variant] = img.platform.split('/');
    return { mediaType: MT.manifest, digest: img.digest, size: img.manifestSize, platform: { os, architecture, ...(variant && { variant }) } };
  });
  const index = await blob(dir, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.index, manifests })));
  return { digest: index.digest, manifestSize: index.size, mediaType: MT.index };
}

/** Names `target` as `tag` in the layout's index.json, so skopeo can read it as oci:DIR:tag. */
export async function tagLayout(dir: string, tag: string, target: { digest: string; manifestSize: number; mediaType: string }): Promise<void> {
  const file = path.join(dir, 'index.json');
  const refName = 'org.opencontainers.image.ref.name';
  type Entry = { annotations?: Record<string, string> };
  const previous: Entry[] = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as { manifests: Entry[] }).manifests : [];
  const entry = { mediaType: target.mediaType, digest: target.digest, size: target.manifestSize, annotations: { [refName]: tag } };
  await writeFile(file, JSON.stringify({ schemaVersion: 2, mediaType: MT.index, manifests: [...previous.filter((m) => m.annotations?.[refName] !== tag), entry] }));
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
}

/**
 * skopeo copy --all (every platform of an index; skopeo.ts copies one) with the
 * digests preserved, or converted to Docker schema 2 with `format: 'v2s2'`.
 */
export async function pushEvery(layoutDir: string, tag: string, ref: string, opts: { certDir?: string; creds?: { username: string; password: string }; tlsVerify?: boolean; format?: 'v2s2' }): Promise<SkopeoResult> {
  const host = ref.split('/')[0]!;
  const auth = opts.creds ? await writeAuthFile(host, opts.creds) : null;
  const args = ['copy', '--all', ...(opts.format ? ['--format', opts.format] : ['--preserve-digests']),
    ...(opts.certDir ? ['--dest-cert-dir', opts.certDir] : []), `--dest-tls-verify=${opts.tlsVerify ?? true}`,
    ...(auth ? ['--dest-authfile', auth.file] : ['--dest-no-creds']), `oci:${layoutDir}:${tag}`, `docker://${ref}`];
  try {
    const r = await execa('skopeo', args, { reject: false, timeout: 60_000 });
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, command: ['skopeo', ...args].join(' ') };
  } finally {
    await auth?.cleanup();
  }
}
