import { copyFileSync, lstatSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { execa } from 'execa';
import { pushLayout, type RegistryOpts } from './skopeo.js';

/**
 * A bundle's running registry as a client sees it: trusted with ca/ca.crt only, one
 * user's password, and its data/ on the host for what the disk really holds.
 */
export interface BundleRegistry {
  port: number;
  opts: RegistryOpts;
  ref(repo: string, tag: string): string;
  push(layout: string, tag: string, repo: string): ReturnType<typeof pushLayout>;
  /** skopeo delete: the manifest goes, by tag as skopeo resolves it to its digest. */
  remove(repo: string, tag: string): Promise<void>;
  catalog(): Promise<string[]>;
  /** The bytes of every blob file under data/: what garbage-collect frees. */
  blobBytes(): number;
  blobExists(digest: string): boolean;
}

export function bundleRegistry(bundle: string, port: number, creds: { username: string; password: string }, scratch: string): BundleRegistry {
  const certDir = mkdtempSync(join(scratch, 'trust-'));
  copyFileSync(join(bundle, 'ca/ca.crt'), join(certDir, 'ca.crt'));
  const opts: RegistryOpts = { certDir, creds, timeoutMs: 30_000 };
  const blobs = join(bundle, 'data/docker/registry/v2/blobs/sha256');
  const ref = (repo: string, tag: string) => `docker://127.0.0.1:${port}/${repo}:${tag}`;
  return {
    port,
    opts,
    ref,
    push: (layout, tag, repo) => pushLayout(layout, tag, ref(repo, tag), opts),
    remove: async (repo, tag) => {
      await execa('skopeo', ['delete', '--cert-dir', certDir, '--creds', `${creds.username}:${creds.password}`, ref(repo, tag)]);
    },
    catalog: () => new Promise((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, path: '/v2/_catalog', ca: readFileSync(join(certDir, 'ca.crt'), 'utf8'), auth: `${creds.username}:${creds.password}` }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => (res.statusCode === 200 ? resolve((JSON.parse(body) as { repositories: string[] }).repositories) : reject(new Error(`catalog: HTTP ${res.statusCode} ${body}`))));
      }).on('error', reject);
    }),
    blobBytes: () => {
      let sum = 0;
      for (const prefix of safeList(blobs)) for (const hex of safeList(join(blobs, prefix))) sum += fileSize(join(blobs, prefix, hex, 'data'));
      return sum;
    },
    blobExists: (digest) => fileSize(join(blobs, digest.slice(7, 9), digest.slice(7), 'data')) > 0,
  };
}

const safeList = (d: string) => {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
};
const fileSize = (p: string) => {
  try {
    return lstatSync(p).size;
  } catch {
    return 0;
  }
};
