import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';

/**
 * Fills a registry through its own push API (blob upload, cross-repository
 * mount, manifest PUT), many requests at once: 1,000 tags in seconds, where
 * 1,000 skopeo processes would take minutes. Every tag gets its own config (its
 * own created time), so `images` has a config to read per tag; one layer is
 * shared by all, mounted into each repository as docker push does.
 */
export interface SeedOptions {
  url: string;
  caPem: string;
  user: string;
  password: string;
  repos: number;
  tagsPerRepo: number;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function seedRegistry(o: SeedOptions): Promise<void> {
  const agent = new Agent({ connections: 8, connect: { ca: o.caPem } });
  const auth = `Basic ${Buffer.from(`${o.user}:${o.password}`).toString('base64')}`;
  const call = async (method: 'POST' | 'PUT', path: string, body?: Buffer, type = 'application/octet-stream'): Promise<string | undefined> => {
    const r = await request(new URL(path, o.url), { method, dispatcher: agent, body, headers: { authorization: auth, 'content-type': type } });
    const text = await r.body.text();
    if (r.statusCode >= 300) throw new Error(`${method} ${path}: ${r.statusCode} ${text}`);
    const location = r.headers.location;
    return typeof location === 'string' ? location : undefined;
  };
  const upload = async (repo: string, data: Buffer, digest: string) => {
    const location = await call('POST', `/v2/${repo}/blobs/uploads/`);
    const put = new URL(location!, o.url);
    put.searchParams.set('digest', digest);
    await call('PUT', put.pathname + put.search, data);
  };

  const layer = Buffer.from('seeded layer, shared by every image\n'.repeat(64));
  const layerDigest = sha256(layer);
  const repoName = (r: number) => `bench/app-${String(r).padStart(3, '0')}`;
  await upload(repoName(0), layer, layerDigest);

  const tasks: (() => Promise<void>)[] = [];
  for (let r = 0; r < o.repos; r++) {
    tasks.push(async () => {
      const repo = repoName(r);
      if (r > 0) await call('POST', `/v2/${repo}/blobs/uploads/?mount=${layerDigest}&from=${repoName(0)}`);
      for (let t = 0; t < o.tagsPerRepo; t++) {
        const config = Buffer.from(JSON.stringify({
          created: new Date(Date.UTC(2026, 0, 1 + t, r % 24)).toISOString(), architecture: 'amd64', os: 'linux',
          config: {}, rootfs: { type: 'layers', diff_ids: [sha256(Buffer.from(`${repo}:${t}`))] },
        }));
        const configDigest = sha256(config);
        await upload(repo, config, configDigest);
        const manifest = Buffer.from(JSON.stringify({
          schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length }],
        }));
        await call('PUT', `/v2/${repo}/manifests/v${t + 1}`, manifest, 'application/vnd.oci.image.manifest.v1+json');
      }
    });
  }
  // Eight repositories at a time: each one's own requests are sequential.
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < tasks.length) await tasks[next++]!();
  }));
  await agent.close();
}
