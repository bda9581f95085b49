import { copyFileSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { startStack, type Stack } from './support/compose-stack.js';
import { freePort } from './support/net.js';
import { buildOciLayout, type OciImage } from './support/oci-image.js';
import { startPullLoop } from './support/pull-loop.js';
import { canRunPeers } from './support/require-peers.js';
import { RGW_KEYS, crossUpload, startRgw, type Rgw } from './support/rgw.js';
import { inspectDigest, pullToLayout, pushLayout } from './support/skopeo.js';

/**
 * Issue 12, proofs 1-4, against a real Ceph RGW, registry 3.1.1 and 2.8.2, nginx,
 * redis-server and skopeo: what init --storage s3 (and --replicas) writes is what the
 * real programs need, and the keys go nowhere but env/registry.env.
 */
const PEERS = ['docker-registry', 'skopeo', 'nginx', 'redis-server', 'radosgw', 'ceph-mon', 'ceph-osd', 'unshare', 'setpriv', 'flock', 'xz'];
const PASSWORD = 's3 test: "quoted" & $pecial';
const root = mkdtempSync(join(tmpdir(), 'rs-s3-'));
const layout = join(root, 'layout');
let image: OciImage;
let rgw: Rgw;
const stdinKeys = `${RGW_KEYS.accessKey}\n${RGW_KEYS.secretKey}\n`;

function trustDir(bundle: string): string {
  const dir = mkdtempSync(join(root, 'trust-'));
  copyFileSync(join(bundle, 'ca/ca.crt'), join(dir, 'ca.crt'));
  return dir;
}

/** One GET through TLS, redirects not followed: status and Location. */
function getOnce(port: number, path: string, bundle: string, auth?: string): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path, ca: readFileSync(join(bundle, 'ca/ca.crt')), ...(auth && { auth }) }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
    }).on('error', reject);
  });
}

/** Every regular file under dir (hidden stores included) whose bytes contain `needle`. */
function filesHolding(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

const initS3 = (bundle: string, port: number, extra: string[], opts: { input?: string; env?: Record<string, string> } = {}) =>
  runCli(['init', '--dir', bundle, '--host', '127.0.0.1', '--port', String(port), '--storage', 's3', '--s3-endpoint', rgw.endpoint, ...extra],
    { input: opts.input ?? stdinKeys, env: opts.env });

describe.skipIf(!canRunPeers(PEERS))('--storage s3 against a real Ceph RGW', () => {
  beforeAll(async () => {
    image = await buildOciLayout(layout, 'v1', 'hello from S3 storage');
    rgw = await startRgw();
  }, 180_000);
  afterAll(async () => {
    await rgw?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  describe.each([3, 2] as const)('registry %i', (major) => {
    const stacks: Stack[] = [];
    afterAll(async () => {
      for (const s of stacks) await s.stop();
    });

    async function bundleWith(name: string, redirect: boolean) {
      const port = await freePort();
      const bundle = join(root, `${name}-${major}`);
      const r = await initS3(bundle, port, ['--s3-bucket', `${name}-${major}`, '--s3-create-bucket', '--s3-credentials-stdin', '--yes',
        redirect ? '--s3-redirect' : '--no-s3-redirect']);
      expect(r.exitCode, r.stderr).toBe(0);
      stacks.push(await startStack(bundle, { registryMajor: major }));
      const password = /admin\s+(\S+)/.exec(r.stdout)![1]!;
      return { bundle, port, creds: { username: 'admin', password } };
    }

    it('skopeo pushes and pulls back unchanged; the blobs are in the bucket under docker/registry/v2/; a blob GET answers 200', async () => {
      const b = await bundleWith('plain', false);
      const ref = `docker://127.0.0.1:${b.port}/demo/app:v1`;
      const opts = { certDir: trustDir(b.bundle), creds: b.creds };
      const push = await pushLayout(layout, 'v1', ref, opts);
      expect(push.exitCode, push.stderr).toBe(0);
      expect((await inspectDigest(ref, opts)).digest).toBe(image.manifestDigest);
      const back = join(root, `pulled-${major}`);
      expect((await pullToLayout(ref, back, 'v1', opts)).exitCode).toBe(0);
      expect(JSON.parse(readFileSync(join(back, 'index.json'), 'utf8')).manifests[0].digest).toBe(image.manifestDigest);
      expect(readFileSync(join(back, 'blobs/sha256', image.layerDigest.slice(7)))).toEqual(readFileSync(join(layout, 'blobs/sha256', image.layerDigest.slice(7))));

      const objects = await rgw.list(`plain-${major}`);
      expect(objects).toContain(`docker/registry/v2/blobs/sha256/${image.layerDigest.slice(7, 9)}/${image.layerDigest.slice(7)}/data`);
      expect(objects.every((k) => k.startsWith('docker/registry/v2/'))).toBe(true);
      expect(readdirSync(join(b.bundle, 'data'))).toEqual([]); // nothing on the local disk

      const blob = await getOnce(b.port, `/v2/demo/app/blobs/${image.layerDigest}`, b.bundle, `admin:${b.creds.password}`);
      expect(blob.status).toBe(200);
    });

    it('with --s3-redirect a blob GET answers 307 to a signed URL on the RGW endpoint', async () => {
      const b = await bundleWith('redirect', true);
      const ref = `docker://127.0.0.1:${b.port}/demo/app:v1`;
      expect((await pushLayout(layout, 'v1', ref, { certDir: trustDir(b.bundle), creds: b.creds })).exitCode).toBe(0);
      const blob = await getOnce(b.port, `/v2/demo/app/blobs/${image.layerDigest}`, b.bundle, `admin:${b.creds.password}`);
      expect(blob.status).toBe(307);
      expect(blob.location).toMatch(new RegExp(`^${rgw.endpoint}/redirect-${major}/docker/registry/v2/blobs/.*X-Amz-Signature=`));
    });
  });

  it('the keys are in no file but env/registry.env (0600), and in no argv while init runs or the registry serves', async () => {
    const bundle = join(root, 'keys');
    const seen = new Set<string>();
    let polling = true;
    const poll = (async () => {
      while (polling) {
        for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
          try {
            seen.add(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
          } catch {
            // gone already
          }
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const port = await freePort();
    const r = await initS3(bundle, port, ['--s3-bucket', 'keys', '--s3-create-bucket', '--s3-credentials-stdin', '--yes']);
    const stack = await startStack(bundle);
    polling = false;
    await poll;
    try {
      expect(r.exitCode, r.stderr).toBe(0);
      expect([...seen].some((c) => c.includes('--s3-credentials-stdin'))).toBe(true); // the poll did see init
      for (const key of [RGW_KEYS.accessKey, RGW_KEYS.secretKey]) {
        expect([...seen].filter((c) => c.includes(key))).toEqual([]);
        expect(filesHolding(bundle, key)).toEqual([realpathSync(join(bundle, 'env/registry.env'))]);
        expect(r.stdout + r.stderr).not.toContain(key);
      }
      expect(lstatSync(join(bundle, 'env/registry.env')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(bundle, 'config.yml'), 'utf8')).not.toMatch(/accesskey|secretkey/);
    } finally {
      await stack.stop();
    }
  });

  it.each([
    { what: 'a wrong secret', args: ['--s3-bucket', 'keys', '--s3-credentials-stdin'], input: `${RGW_KEYS.accessKey}\nnot-the-secret\n`, code: 1,
      line: /^registry-setup: http:\/\/127\.0\.0\.1:\d+ refused the keys from --s3-credentials-stdin for bucket keys \(HTTP 403\)/ },
    { what: 'a missing bucket', args: ['--s3-bucket', 'no-such-bucket', '--s3-credentials-stdin'], input: stdinKeys, code: 1,
      line: /^registry-setup: --s3-bucket no-such-bucket does not exist .* --s3-create-bucket$/ },
    { what: 'an endpoint that refuses connections', args: ['--s3-bucket', 'keys', '--s3-credentials-stdin', '--s3-endpoint', 'http://127.0.0.1:1'], input: stdinKeys, code: 1,
      line: /^registry-setup: --s3-endpoint http:\/\/127\.0\.0\.1:1 cannot be reached \(ECONNREFUSED\)/ },
    { what: 'a malformed URL', args: ['--s3-bucket', 'keys', '--s3-credentials-stdin', '--s3-endpoint', 'http//rgw:7480'], input: stdinKeys, code: 2,
      line: /^registry-setup: --s3-endpoint "http\/\/rgw:7480" is not a URL/ },
  ])('$what: one line naming the flag, exit $code, nothing written', async ({ what, args, input, code, line }) => {
    const bundle = join(root, `bad-${what.replace(/\W+/g, '-')}`);
    const r = await initS3(bundle, 5443, [...args, '--yes'], { input });
    expect(r.exitCode).toBe(code);
    const errors = r.stderr.split('\n').filter((l) => !l.startsWith('•'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(line);
    expect(r.stderr).not.toContain('not-the-secret');
    expect(existsSync(bundle)).toBe(false);
  });

  describe.each([3, 2] as const)('--replicas 2 on registry %i: two instances on one bucket, one http.secret, one redis, nginx in front', (major) => {
    let bundle: string;
    let port: number;
    let password: string;
    let stack: Stack;
    const creds = () => ({ username: 'admin', password });

    beforeAll(async () => {
      port = await freePort();
      bundle = join(root, `replicas-${major}`);
      // The keys from the environment this time (the other way init takes them).
      const r = await initS3(bundle, port, ['--s3-bucket', `replicas-${major}`, '--s3-create-bucket', '--replicas', '2', '--yes'],
        { input: '', env: { AWS_ACCESS_KEY_ID: RGW_KEYS.accessKey, AWS_SECRET_ACCESS_KEY: RGW_KEYS.secretKey } });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toContain('--replicas 2 implies --mode proxy');
      password = /admin\s+(\S+)/.exec(r.stdout)![1]!;
      stack = await startStack(bundle, { registryMajor: major });
      expect((await pushLayout(layout, 'v1', `docker://127.0.0.1:${port}/demo/app:v1`, { certDir: trustDir(bundle), creds: creds() })).exitCode).toBe(0);
    }, 120_000);
    afterAll(() => stack?.stop());

    it('an upload started on instance 1 (POST, PATCH) finishes on instance 2 (PUT)', async () => {
      expect(await crossUpload('127.0.0.1:5000', '127.0.0.1:5001')).toBe(201);
    });

    it('both instances fill the shared redis cache (2.8 reads redis.addr, 3.x redis.addrs)', async () => {
      expect((await execa('redis-cli', ['-p', '6379', 'flushall'])).stdout).toBe('OK');
      for (const instance of [5000, 5001]) {
        const head = await fetch(`http://127.0.0.1:${instance}/v2/demo/app/blobs/${image.layerDigest}`, { method: 'HEAD' });
        expect(head.status).toBe(200);
      }
      expect(Number((await execa('redis-cli', ['-p', '6379', 'dbsize'])).stdout)).toBeGreaterThan(0);
      expect((await execa('redis-cli', ['-p', '6379', '--scan', '--pattern', 'blobs::*'])).stdout).toContain(image.layerDigest);
    });

    it('with two different secrets the same upload fails (so the test above can fail)', async () => {
      await stack.stop();
      stack = await startStack(bundle, { registryMajor: major, environment: { 'registry-2': { REGISTRY_HTTP_SECRET: 'a-different-secret' } } });
      try {
        // The upload's state, signed with instance 1's secret, does not verify on instance 2: it knows no such upload.
        expect(await crossUpload('127.0.0.1:5000', '127.0.0.1:5001')).toBe(404);
      } finally {
        await stack.stop();
        stack = await startStack(bundle, { registryMajor: major });
      }
    });

    it('losing an instance during a pull loop through nginx fails no pull; pushes still work through the survivor', async () => {
      const loop = startPullLoop({ port, ca: readFileSync(join(bundle, 'ca/ca.crt'), 'utf8'), user: 'admin', password, repo: 'demo/app', manifestDigest: image.manifestDigest, blobDigest: image.layerDigest });
      await new Promise((r) => setTimeout(r, 1500));
      process.kill(-stack.services['registry-2']!.pid()!, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 2500));
      const stats = await loop.stop();
      expect(stats.attempts).toBeGreaterThan(20);
      expect(stats.failures).toEqual([]);
      await buildOciLayout(layout, 'v2', 'pushed after losing an instance');
      const push = await pushLayout(layout, 'v2', `docker://127.0.0.1:${port}/demo/app:v2`, { certDir: trustDir(bundle), creds: creds() });
      expect(push.exitCode, push.stderr).toBe(0);
    });
  });
});
