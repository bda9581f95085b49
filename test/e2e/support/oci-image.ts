import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * A tiny but valid OCI image layout, written byte by byte, so push/pull tests
 * need neither a docker daemon nor an image pull (there is no network here).
 */

export interface OciImage {
  manifestDigest: string;
  layerDigest: string;
  configDigest: string;
}

export const MT = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Writes `value` as a NUL-terminated, zero-padded octal field of `width` bytes. */
function octal(header: Buffer, offset: number, width: number, value: number): void {
  header.write(value.toString(8).padStart(width - 1, '0'), offset, width - 1, 'ascii');
}

/** A one-file ustar archive: 512-byte header, data padded to 512, two zero blocks. */
export function tarOneFile(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  octal(header, 100, 8, 0o644); // mode
  octal(header, 108, 8, 0); // uid
  octal(header, 116, 8, 0); // gid
  octal(header, 124, 12, data.length); // size
  octal(header, 136, 12, 0); // mtime 0 keeps the digest reproducible
  header.write('0', 156, 1, 'ascii'); // typeflag: regular file
  header.write('ustar\0', 257, 6, 'ascii');
  header.write('00', 263, 2, 'ascii');
  // The checksum is computed with its own field read as eight spaces.
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, pad, Buffer.alloc(1024)]);
}

async function writeBlob(dir: string, data: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(data);
  const blobDir = path.join(dir, 'blobs', 'sha256');
  await mkdir(blobDir, { recursive: true });
  await writeFile(path.join(blobDir, digest.slice('sha256:'.length)), data);
  return { digest, size: data.length };
}

/**
 * Adds an image tagged `tag` to the OCI layout at `dir` (created if needed);
 * skopeo reads it as `oci:DIR:tag`. Another call with a different tag adds a
 * second image; the same tag replaces the entry. Pass distinct payloads to get
 * distinct digests.
 */
export async function buildOciLayout(
  dir: string,
  tag: string,
  payload: string | Buffer = 'hello from the registry-setup e2e harness\n',
): Promise<OciImage> {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const tar = tarOneFile('hello.txt', data);
  // gzip is a layer-level choice; diff_ids always name the *uncompressed* tar.
  const layer = await writeBlob(dir, gzipSync(tar));
  const configJson = {
    architecture: 'amd64',
    os: 'linux',
    config: {},
    rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
  };
  const config = await writeBlob(dir, Buffer.from(JSON.stringify(configJson)));
  const manifestJson = {
    schemaVersion: 2,
    mediaType: MT.manifest,
    config: { mediaType: MT.config, ...config },
    layers: [{ mediaType: MT.layer, ...layer }],
  };
  const manifest = await writeBlob(dir, Buffer.from(JSON.stringify(manifestJson)));

  const refName = 'org.opencontainers.image.ref.name';
  const indexPath = path.join(dir, 'index.json');
  type Entry = { annotations?: Record<string, string> };
  const previous: Entry[] = existsSync(indexPath)
    ? (JSON.parse(await readFile(indexPath, 'utf8')) as { manifests: Entry[] }).manifests
    : [];
  const index = {
    schemaVersion: 2,
    mediaType: MT.index,
    manifests: [
      ...previous.filter((m) => m.annotations?.[refName] !== tag),
      { mediaType: MT.manifest, ...manifest, annotations: { [refName]: tag } },
    ],
  };
  await writeFile(indexPath, JSON.stringify(index));
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  return { manifestDigest: manifest.digest, layerDigest: layer.digest, configDigest: config.digest };
}
