import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { useEngineFile } from './support/engine-file.js';
import { freePort, waitForPort } from './support/net.js';
import { buildOciLayout, type OciImage } from './support/oci-image.js';
import { startPullLoop } from './support/pull-loop.js';
import { canRunPeers } from './support/require-peers.js';
import { RGW_KEYS, crossUpload, forwardRgw, hostAddress, startRgw, type Rgw } from './support/rgw.js';
import { inspectDigest, pushLayout } from './support/skopeo.js';
import { execa } from 'execa';

/**
 * Issue 12, proof 0: a two-replica bundle (nginx, two registries, redis) under
 * `docker compose up -d` on a private engine, against a real Ceph RGW. RGW listens on
 * 127.0.0.1, which a container cannot reach (its loopback is its own), so socat
 * forwards a port on one of this host's own addresses to it: containers reach the
 * host there through their network's gateway, and init's bucket check uses the same
 * URL. The replica tests then run against the containers.
 */
const PEERS = ['dockerd', 'docker', 'docker-compose', 'skopeo', 'radosgw', 'ceph-mon', 'socat', 'redis-server', 'xz', 'busybox', 'flock'];

describe.skipIf(!canRunPeers(PEERS))('a --replicas 2 bundle on RGW under docker compose, for real', () => {
  const { root, layout, engine } = useEngineFile('rs-s3-compose-', 'hello from replicas');
  let rgw: Rgw;
  let forward: Awaited<ReturnType<typeof forwardRgw>>;
  let bundle: string;
  let port: number;
  let password: string;
  let second: OciImage;
  const container = (service: string) => `replicas_${service}_1`;
  const certDir = () => {
    const dir = mkdtempSync(join(root, 'trust-'));
    copyFileSync(join(bundle, 'ca/ca.crt'), join(dir, 'ca.crt'));
    return dir;
  };
  const ipOf = async (service: string) => (await engine().docker(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', container(service)])).trim();

  beforeAll(async () => {
    rgw = await startRgw();
    forward = await forwardRgw(rgw, hostAddress(), await freePort());
    port = await freePort();
    bundle = join(root, 'replicas');
    const r = await runCli(['init', '--dir', bundle, '--host', '127.0.0.1', '--port', String(port), '--yes', '--storage', 's3',
      '--s3-endpoint', forward.endpoint, '--s3-bucket', 'compose', '--s3-create-bucket', '--s3-credentials-stdin', '--replicas', '2'],
    { input: `${RGW_KEYS.accessKey}\n${RGW_KEYS.secretKey}\n`, env: engine().env });
    expect(r.exitCode, r.stderr).toBe(0);
    password = /admin\s+(\S+)/.exec(r.stdout)![1]!;
    const up = await engine().compose(bundle, ['up', '-d']);
    expect(up.exitCode, up.stderr).toBe(0);
    await waitForPort('127.0.0.1', port, 30_000);
  }, 240_000);
  afterAll(async () => {
    if (bundle) await engine().compose(bundle, ['down']);
    forward?.stop();
    await rgw?.stop();
  });

  it('comes up: two registries and redis pass their compose health checks; skopeo pushes through nginx into the bucket', async () => {
    const ref = `docker://127.0.0.1:${port}/demo/app:v1`;
    const opts = { certDir: certDir(), creds: { username: 'admin', password } };
    const push = await pushLayout(layout, 'v1', ref, opts);
    expect(push.exitCode, push.stderr).toBe(0);
    expect((await inspectDigest(ref, opts)).exitCode).toBe(0);
    expect((await rgw.list('compose', 'docker/registry/v2/blobs/')).length).toBeGreaterThanOrEqual(3);
    const health = async () => Promise.all(['registry', 'registry-2', 'redis'].map(async (s) => (await engine().docker(['inspect', '-f', '{{.State.Health.Status}}', container(s)])).trim()));
    const deadline = Date.now() + 60_000;
    while ((await health()).some((h) => h !== 'healthy') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    expect(await health()).toEqual(['healthy', 'healthy', 'healthy']);
  }, 90_000);

  it('an upload started on one instance container finishes on the other (one generated http.secret)', async () => {
    expect(await crossUpload(`${await ipOf('registry')}:5000`, `${await ipOf('registry-2')}:5001`)).toBe(201);
  });

  it('docker kill of one instance during a pull loop through nginx fails no pull; a push after it works', async () => {
    const pushed = await buildOciLayout(layout, 'v1', 'hello from replicas');
    const loop = startPullLoop({ port, ca: readFileSync(join(bundle, 'ca/ca.crt'), 'utf8'), user: 'admin', password, repo: 'demo/app', manifestDigest: pushed.manifestDigest, blobDigest: pushed.layerDigest });
    await new Promise((r) => setTimeout(r, 1500));
    await engine().docker(['kill', container('registry-2')]);
    await new Promise((r) => setTimeout(r, 3000));
    const stats = await loop.stop();
    expect(stats.attempts).toBeGreaterThan(20);
    expect(stats.failures).toEqual([]);
    second = await buildOciLayout(layout, 'v2', 'pushed after docker kill');
    const push = await pushLayout(layout, 'v2', `docker://127.0.0.1:${port}/demo/app:v2`, { certDir: certDir(), creds: { username: 'admin', password } });
    expect(push.exitCode, push.stderr).toBe(0);
  }, 60_000);

  it('status reports the S3 backend, probes the bucket, and reports each instance: the killed one as down until compose brings it back', async () => {
    type Report = { storage: { kind: string; bucket: string; reachable: boolean }; instances: { service: string; running: boolean }[]; problems: string[] };
    const status = async () => {
      const r = await runCli(['status', '--dir', bundle, '--json'], { env: engine().env });
      return { code: r.exitCode, report: JSON.parse(r.stdout) as Report };
    };
    const down = await status();
    expect(down.report.storage).toMatchObject({ kind: 's3', bucket: 'compose', reachable: true });
    expect(down.report.instances).toEqual([{ service: 'registry', running: true }, { service: 'registry-2', running: false }]);
    expect(down.report.problems).toEqual(['registry instance registry-2 not running: docker compose up -d']);
    expect(down.code).toBe(1);
    expect((await engine().compose(bundle, ['up', '-d'])).exitCode).toBe(0);
    const up = await status();
    expect(up.report.instances.every((i) => i.running)).toBe(true);
    expect(up.code, JSON.stringify(up.report.problems)).toBe(0);
    // The human form names the backend and each instance.
    const text = (await runCli(['status', '--dir', bundle], { env: engine().env })).stdout;
    expect(text).toMatch(/Storage\s+s3, bucket compose at http:\/\/[\d.]+:\d+/);
    expect(text).toMatch(/registry-2\s+running/);
  }, 60_000);

  it('gc on S3 storage, on the running two-instance stack: the deleted image\'s blobs leave the bucket, the kept one\'s stay', async () => {
    const key = (digest: string) => `docker/registry/v2/blobs/sha256/${digest.slice(7, 9)}/${digest.slice(7)}/data`;
    const first = await buildOciLayout(layout, 'v1', 'hello from replicas');
    const before = await rgw.list('compose', 'docker/registry/v2/blobs/');
    expect(before).toEqual(expect.arrayContaining([key(first.layerDigest), key(second.layerDigest), key(second.configDigest)]));
    await execa('skopeo', ['delete', '--cert-dir', certDir(), '--creds', `admin:${password}`, `docker://127.0.0.1:${port}/demo/app:v2`]);
    const r = await runCli(['gc', '--dir', bundle, '--yes', '--json'], { env: engine().env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: false, offline: false });
    const after = await rgw.list('compose', 'docker/registry/v2/blobs/');
    expect(after).not.toContain(key(second.layerDigest));
    expect(after).not.toContain(key(second.configDigest));
    expect(after).toContain(key(first.layerDigest));
    // Both instances are back in nginx's upstream and serve the kept image.
    expect((await crossUpload(`${await ipOf('registry')}:5000`, `${await ipOf('registry-2')}:5001`))).toBe(201);
    expect((await inspectDigest(`docker://127.0.0.1:${port}/demo/app:v1`, { certDir: certDir(), creds: { username: 'admin', password } })).digest).toBe(first.manifestDigest);
  }, 120_000);
});
