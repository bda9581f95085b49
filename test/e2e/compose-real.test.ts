import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { useEngineFile } from './support/engine-file.js';
import { freePort, servedFingerprint, waitForPort } from './support/net.js';
import { canRunPeers } from './support/require-peers.js';
import { inspectDigest, pushLayout } from './support/skopeo.js';

/**
 * The bundle's own docker-compose.yml under a real Docker engine: the generation
 * layout is only right if the containers, which never run our code, see a renewed
 * certificate and a changed htpasswd through the .gen mount exactly as designed.
 */
const PEERS = ['dockerd', 'docker', 'docker-compose', 'skopeo', 'openssl', 'xz', 'busybox'];

const diskFingerprint = (bundle: string) => new X509Certificate(readFileSync(join(bundle, 'certs/registry.crt'))).fingerprint256;

function trustDir(root: string, bundle: string): string {
  const dir = mkdtempSync(join(root, 'trust-'));
  copyFileSync(join(bundle, 'ca/ca.crt'), join(dir, 'ca.crt'));
  return dir;
}

describe.skipIf(!canRunPeers(PEERS))('bundles under docker compose, for real', () => {
  const { root, layout, engine } = useEngineFile('rs-compose-real-', 'hello from compose');

  describe.each(['tls', 'proxy'] as const)('%s mode', (mode) => {
    let bundle: string;
    let port: number;
    const cli = (args: string[], input?: string) => runCli([...args, '--dir', bundle], { input, env: engine().env });
    const pushAs = (user: string, password: string) =>
      pushLayout(layout, 'v1', `docker://127.0.0.1:${port}/demo/${mode}:v1`, { certDir: trustDir(root, bundle), creds: { username: user, password } });

    beforeAll(async () => {
      port = await freePort();
      bundle = join(root, mode);
      mkdirSync(bundle);
      const r = await cli(['init', '--mode', mode, '--host', '127.0.0.1', '--port', String(port), '--user', 'alice', '--password-stdin'], 'alice-pw\n');
      expect(r.exitCode, r.stderr).toBe(0);
      const up = await engine().compose(bundle, ['up', '-d']);
      expect(up.exitCode, up.stderr).toBe(0);
      await waitForPort('127.0.0.1', port, 20_000);
    }, 120_000);
    afterAll(async () => {
      if (bundle) await engine().compose(bundle, ['down']);
    });

    it('takes a push with only ca.crt trusted, and refuses a wrong password', async () => {
      const push = await pushAs('alice', 'alice-pw');
      expect(push.exitCode, push.stderr).toBe(0);
      expect((await pushAs('alice', 'wrong')).stderr).toMatch(/unauthorized|401/);
    });

    it('a user added or removed takes effect with no restart', async () => {
      const started = await engine().docker(['inspect', '-f', '{{.State.StartedAt}}', `${mode}_registry_1`]);
      expect((await cli(['user', 'add', 'bob', '--password-stdin'], 'bob-pw\n')).exitCode).toBe(0);
      expect((await pushAs('bob', 'bob-pw')).exitCode).toBe(0);
      expect((await cli(['user', 'rm', 'bob'])).exitCode).toBe(0);
      expect((await pushAs('bob', 'bob-pw')).stderr).toMatch(/unauthorized|401/);
      expect(await engine().docker(['inspect', '-f', '{{.State.StartedAt}}', `${mode}_registry_1`])).toBe(started);
    });

    it('renew --reload makes the running stack serve the new certificate', async () => {
      const before = await servedFingerprint(port);
      expect(before).toBe(diskFingerprint(bundle));
      const server = mode === 'proxy' ? `${mode}_nginx_1` : `${mode}_registry_1`;
      const started = await engine().docker(['inspect', '-f', '{{.State.StartedAt}}', server]);
      const r = await cli(['renew', '--force', '--reload']);
      expect(r.exitCode, r.stderr).toBe(0);
      await waitForPort('127.0.0.1', port, 20_000);
      const after = await servedFingerprint(port);
      expect(after).not.toBe(before);
      expect(after).toBe(diskFingerprint(bundle));
      // nginx reloads gracefully, and the registry restarts in place under its entry shell: the same container keeps running.
      expect(await engine().docker(['inspect', '-f', '{{.State.StartedAt}}', server])).toBe(started);
      expect((await inspectDigest(`docker://127.0.0.1:${port}/demo/${mode}:v1`, { certDir: trustDir(root, bundle), creds: { username: 'alice', password: 'alice-pw' } })).exitCode).toBe(0);
    });

    it('mounts no CA anywhere, and the server key only into the container that ends TLS', async () => {
      const expected: Record<string, string[]> = mode === 'tls'
        ? { registry: ['.gen', '.tls', 'data'] }
        : { registry: ['.gen', 'data'], nginx: ['.gen', '.tls'] };
      for (const [svc, sources] of Object.entries(expected)) {
        const mounts = JSON.parse(await engine().docker(['inspect', '-f', '{{json .Mounts}}', `${mode}_${svc}_1`])) as { Source: string }[];
        expect(mounts.map((m) => m.Source).sort()).toEqual(sources.map((s) => join(bundle, s)).sort());
      }
      // In proxy mode the registry's view of the key dangles: the link is there, the store is not.
      if (mode === 'proxy') {
        const r = await engine().compose(bundle, ['exec', '-T', 'registry', 'sh', '-c', 'cat /etc/registry-setup/.gen/current/certs/registry.key']);
        expect(r.exitCode).not.toBe(0);
      }
    });
  });

  it('insecure mode: comes up under compose, takes a push over plain HTTP with no credentials, and serves it back', async () => {
    const bundle = join(root, 'insecure');
    const port = await freePort();
    const r = await runCli(['init', '--mode', 'insecure', '--host', '127.0.0.1', '--port', String(port), '--yes', '--dir', bundle], { env: engine().env });
    expect(r.exitCode, r.stderr).toBe(0);
    const up = await engine().compose(bundle, ['up', '-d']);
    expect(up.exitCode, up.stderr).toBe(0);
    try {
      await waitForPort('127.0.0.1', port, 20_000);
      const ref = `docker://127.0.0.1:${port}/demo/insecure:v1`;
      const pushed = await pushLayout(layout, 'v1', ref, { tlsVerify: false });
      expect(pushed.exitCode, pushed.stderr).toBe(0);
      const seen = await inspectDigest(ref, { tlsVerify: false });
      expect(seen.exitCode, seen.stderr).toBe(0);
      expect(seen.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    } finally {
      await engine().compose(bundle, ['down']);
    }
  });
});
