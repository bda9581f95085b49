import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { useEngineFile } from './support/engine-file.js';
import { composeFiles, makeUpstream, writeUpstreamOverride } from './support/compose-upstream.js';
import { freePort, servedFingerprint, waitForPort } from './support/net.js';
import { buildOciLayout, type OciImage } from './support/oci-image.js';
import { canRunPeers } from './support/require-peers.js';
import { inspectDigest, pullToLayout, pushLayout } from './support/skopeo.js';

/**
 * Issue 11, proof 0: a bundle with mirrors comes up with `docker compose up -d` under a
 * private dockerd and serves pulls through its mirrors. The upstream is a registry
 * 3.1.1 container of its own, with its own CA, in the same compose project. It, and the
 * mirrors' trust of its CA (SSL_CERT_FILE), come from a test-only override file passed
 * with -f: the bundle's own docker-compose.yml is used as written. proxy mode runs with
 * --mirror-auth, so nginx's login on the mirror ports is proven too.
 */
const PEERS = ['dockerd', 'docker', 'docker-compose', 'skopeo', 'openssl', 'xz', 'busybox'];

const diskFingerprint = (bundle: string) => new X509Certificate(readFileSync(join(bundle, 'certs/registry.crt'))).fingerprint256;

describe.skipIf(!canRunPeers(PEERS))('a bundle with mirrors under docker compose, for real', () => {
  const { root, engine } = useEngineFile('rs-mirror-compose-', 'mirror compose');

  describe.each(['tls', 'proxy'] as const)('%s mode', (mode) => {
    let bundle: string;
    let upstream: string;
    let upPort: number;
    let mirrorPort: number;
    let certDir: string;
    let upTrust: string;
    let image: OciImage;
    const compose = (args: string[]) => engine().compose(bundle, [...composeFiles, ...args]);
    const cli = (args: string[], input?: string) => runCli([...args, '--dir', bundle], { input, env: engine().env });
    const container = (service: string) => `${mode}_${service}_1`;
    const startedAt = (service: string) => engine().docker(['inspect', '-f', '{{.State.StartedAt}}', container(service)]);
    // proxy mode runs with --mirror-auth: nginx asks for the bundle's htpasswd login on the mirror ports too.
    const login = mode === 'proxy' ? { creds: { username: 'alice', password: 'alice-pw' } } : {};
    const pullBusybox = () => pullToLayout(`127.0.0.1:${mirrorPort}/library/busybox:latest`, join(root, `pulled-${mode}`), 'busybox', { certDir, ...login });

    const writeOverride = (mirrors: string[]) => writeUpstreamOverride(bundle, { upstream, port: upPort, trustDir: upTrust, mirrors });

    beforeAll(async () => {
      [upPort, mirrorPort] = [await freePort(), await freePort()];
      const port = await freePort();
      ({ dir: upstream, trustDir: upTrust } = await makeUpstream(root, `upstream-${mode}`, upPort));

      bundle = join(root, mode);
      mkdirSync(bundle);
      const r = await cli(['init', '--mode', mode, '--host', '127.0.0.1', '--port', String(port), '--user', 'alice', '--password-stdin',
        '--mirror', `docker.io=https://upstream:${upPort}`, '--mirror', `ghcr.io=https://upstream:${upPort}`, '--mirror-port', String(mirrorPort), ...(mode === 'proxy' ? ['--mirror-auth'] : [])], 'alice-pw\n');
      expect(r.exitCode, r.stderr).toBe(0);
      writeOverride(['mirror-docker-io', 'mirror-ghcr-io']);
      const started = await compose(['up', '-d']);
      expect(started.exitCode, started.stderr).toBe(0);
      for (const p of [upPort, mirrorPort, mirrorPort + 1, port]) await waitForPort('127.0.0.1', p, 20_000);
      certDir = mkdtempSync(join(root, 'trust-'));
      copyFileSync(join(bundle, 'ca/ca.crt'), join(certDir, 'ca.crt'));
      const layout = join(root, `layout-${mode}`);
      image = await buildOciLayout(layout, 'busybox', `busybox for ${mode}\n`);
      const pushed = await pushLayout(layout, 'busybox', `127.0.0.1:${upPort}/library/busybox:latest`, { certDir: upTrust });
      expect(pushed.exitCode, pushed.stderr).toBe(0);
    }, 180_000);
    afterAll(async () => {
      if (bundle) await compose(['down', '--remove-orphans']);
    });

    it('serves a pull through the docker.io mirror, filling its own cache directory', async () => {
      const r = await pullBusybox();
      expect(r.exitCode, r.stderr).toBe(0);
      if (mode === 'proxy') {
        const anonymous = await inspectDigest(`127.0.0.1:${mirrorPort}/library/busybox:latest`, { certDir });
        expect(anonymous.stderr).toMatch(/unauthorized|401|authentication required/i);
      }
      const layer = join(bundle, 'mirror-data/docker-io/docker/registry/v2/blobs/sha256', image.layerDigest.slice(7, 9), image.layerDigest.slice(7), 'data');
      expect(existsSync(layer)).toBe(true);
      // A push is refused by the proxy, behind nginx too.
      const push = await pushLayout(join(root, `layout-${mode}`), 'busybox', `127.0.0.1:${mirrorPort}/library/mine:v1`, { certDir, ...login });
      expect(push.stderr).toMatch(/unsupported/i);
    });

    it('mounts no CA and no env store anywhere, and the server key only where TLS ends', async () => {
      const sources = async (service: string) =>
        (JSON.parse(await engine().docker(['inspect', '-f', '{{json .Mounts}}', container(service)])) as { Source: string }[]).map((m) => m.Source).sort();
      const mirrorMounts = mode === 'tls' ? ['.gen', '.tls', 'mirror-data/docker-io'] : ['.gen', 'mirror-data/docker-io'];
      expect(await sources('mirror-docker-io')).toEqual([...mirrorMounts.map((s) => join(bundle, s)), upTrust].sort());
      if (mode === 'proxy') expect(await sources('nginx')).toEqual([join(bundle, '.gen'), join(bundle, '.tls')]);
      // No upstream login was given: the env file adds nothing to the container's environment.
      const env = await engine().docker(['inspect', '-f', '{{json .Config.Env}}', container('mirror-docker-io')]);
      expect(env).not.toContain('REGISTRY_PROXY_');
    });

    it('renew --reload makes the mirror port serve the new certificate', async () => {
      const before = await servedFingerprint(mirrorPort);
      expect(before).toBe(diskFingerprint(bundle));
      const mirrorStarted = await startedAt('mirror-docker-io');
      const r = await cli(['renew', '--force', '--reload']);
      expect(r.exitCode, r.stderr).toBe(0);
      await waitForPort('127.0.0.1', mirrorPort, 20_000);
      const deadline = Date.now() + 10_000;
      while ((await servedFingerprint(mirrorPort).catch(() => '')) !== diskFingerprint(bundle) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
      expect(await servedFingerprint(mirrorPort)).toBe(diskFingerprint(bundle));
      expect(await servedFingerprint(mirrorPort + 1)).toBe(diskFingerprint(bundle));
      // In place (tls: the entry shell's HUP) or by nginx's graceful reload: the mirror's container keeps running.
      expect(await startedAt('mirror-docker-io')).toBe(mirrorStarted);
    });

    it('mirror rm and the compose command it prints leave the other mirror running', async () => {
      const kept = await startedAt('mirror-docker-io');
      const rm = await cli(['mirror', 'rm', 'ghcr.io']);
      expect(rm.exitCode, rm.stderr).toBe(0);
      expect(rm.stdout).toContain('docker compose up -d --remove-orphans');
      writeOverride(['mirror-docker-io']);
      const up = await compose(['up', '-d', '--remove-orphans']);
      expect(up.exitCode, up.stderr).toBe(0);
      const names = await engine().docker(['ps', '--format', '{{.Names}}']);
      expect(names).not.toContain(container('mirror-ghcr-io'));
      expect(await startedAt('mirror-docker-io')).toBe(kept);
      if (mode === 'proxy') await waitForPort('127.0.0.1', mirrorPort, 20_000);
      const seen = await inspectDigest(`127.0.0.1:${mirrorPort}/library/busybox:latest`, { certDir, ...login });
      expect(seen.digest, seen.stderr).toBe(image.manifestDigest);
    });

    it('mirror add and the `up -d` it prints start the new mirror beside the running one', async () => {
      const kept = await startedAt('mirror-docker-io');
      const port = await freePort();
      const add = await cli(['mirror', 'add', `quay.io=https://upstream:${upPort}`, '--port', String(port)]);
      expect(add.exitCode, add.stderr).toBe(0);
      expect(add.stdout).toMatch(/docker compose up -d\n/);
      writeOverride(['mirror-docker-io', 'mirror-quay-io']);
      const up = await compose(['up', '-d']);
      expect(up.exitCode, up.stderr).toBe(0);
      await waitForPort('127.0.0.1', port, 20_000);
      const seen = await inspectDigest(`127.0.0.1:${port}/library/busybox:latest`, { certDir, ...login });
      expect(seen.digest, seen.stderr).toBe(image.manifestDigest);
      expect(await startedAt('mirror-docker-io')).toBe(kept);
    });
  });
});
