import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { AwsClient } from 'aws4fetch';
import { execa } from 'execa';
import { PEERS_DIR } from './registry-binary.js';

/**
 * A real Ceph RGW (S3) from shared/peers/ceph/rgw-up.sh: one mon, one memstore OSD,
 * radosgw on 127.0.0.1. Its mon ports are fixed, so one runs per machine at a time:
 * a test file holds /tmp/rs-rgw.lock while it has one (a flock held by a child that
 * dies with us). `s3` lists and reads the bucket as a client of the store itself.
 */
export const RGW_KEYS = { accessKey: 'REGISTRYACCESSKEY', secretKey: 'registrysecretkey123' } as const;
const RUN = '/tmp/rs-rgw';
const LOCK = '/tmp/rs-rgw.lock';

export interface Rgw {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** Every object key under `prefix` in `bucket` (ListObjectsV2, all pages). */
  list(bucket: string, prefix?: string): Promise<string[]>;
  stop(): Promise<void>;
}

async function holdLock(): Promise<ChildProcess> {
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', 'flock', '-F', LOCK, 'sh', '-c', 'echo locked; exec sleep infinity'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`flock ${LOCK} exited (${code})`)));
  });
  return child;
}

export async function startRgw(port = 17180): Promise<Rgw> {
  const lock = await holdLock();
  const env = { ...process.env, CEPH_RUN: RUN, RGW_PORT: String(port), AK: RGW_KEYS.accessKey, SK: RGW_KEYS.secretKey, BUCKET: '' };
  try {
    await execa(path.join(PEERS_DIR, 'ceph/rgw-up.sh'), [], { env, timeout: 120_000 });
  } catch (err) {
    lock.kill('SIGKILL');
    throw err;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new AwsClient({ accessKeyId: RGW_KEYS.accessKey, secretAccessKey: RGW_KEYS.secretKey, service: 's3', region: 'us-east-1', retries: 0 });
  return {
    endpoint,
    async list(bucket, prefix = '') {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const q = new URLSearchParams({ 'list-type': '2', prefix, ...(token && { 'continuation-token': token }) });
        const res = await client.fetch(`${endpoint}/${bucket}?${q}`);
        const xml = await res.text();
        if (res.status !== 200) throw new Error(`list ${bucket}: HTTP ${res.status} ${xml}`);
        keys.push(...[...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]!));
        token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? /<NextContinuationToken>([^<]+)</.exec(xml)?.[1] : undefined;
      } while (token);
      return keys;
    },
    async stop() {
      await execa(path.join(PEERS_DIR, 'ceph/rgw-down.sh'), [], { env, reject: false });
      lock.kill('SIGKILL');
    },
  };
}

/** A non-loopback IPv4 address of this host: containers on a private engine reach the host there, not on 127.0.0.1. */
export function hostAddress(): string {
  const a = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
  if (!a) throw new Error('this host has no non-loopback IPv4 address for containers to reach');
  return a.address;
}

/**
 * POST and PATCH one chunk on instance `first`, PUT on `second` (HOST:PORT each, plain
 * HTTP, as nginx reaches them): the PUT's status. 201 only if both instances share
 * http.secret, which signs the upload's state carried in the Location.
 */
export async function crossUpload(first: string, second: string): Promise<number> {
  const data = Buffer.from(`a chunk started on ${first} and finished on ${second}, ${Date.now()}`);
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  const pathOf = (loc: string) => {
    const u = new URL(loc, 'http://x');
    return `${u.pathname}${u.search}`;
  };
  const post = await fetch(`http://${first}/v2/demo/cross/blobs/uploads/`, { method: 'POST' });
  if (post.status !== 202) throw new Error(`POST on ${first}: HTTP ${post.status}`);
  const patch = await fetch(`http://${first}${pathOf(post.headers.get('location')!)}`, {
    method: 'PATCH', body: data, headers: { 'content-type': 'application/octet-stream', 'content-range': `0-${data.length - 1}` },
  });
  if (patch.status !== 202) throw new Error(`PATCH on ${first}: HTTP ${patch.status}`);
  const loc = new URL(pathOf(patch.headers.get('location')!), 'http://x');
  loc.searchParams.set('digest', digest);
  return (await fetch(`http://${second}${loc.pathname}${loc.search}`, { method: 'PUT' })).status;
}

/** socat from HOST:PORT (an address containers reach) to the RGW on loopback; dies with us. */
export async function forwardRgw(rgw: Rgw, host: string, port: number): Promise<{ endpoint: string; stop(): void }> {
  const target = new URL(rgw.endpoint);
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', 'socat', `TCP-LISTEN:${port},bind=${host},fork,reuseaddr`, `TCP:${target.hostname}:${target.port}`], { stdio: 'ignore' });
  const { waitForPort } = await import('./net.js');
  await waitForPort(host, port, 10_000);
  return { endpoint: `http://${host}:${port}`, stop: () => void child.kill('SIGKILL') };
}
