import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundleState } from '../../src/bundle/read-state.js';
import { mirrorDataPath } from '../../src/mirrors/services.js';
import { runCli } from './support/cli.js';
import { composeFiles, makeUpstream, writeUpstreamOverride } from './support/compose-upstream.js';
import { useEngineFile } from './support/engine-file.js';
import { createLan, type Lan, type LanNode } from './support/lan.js';
import { freePort, waitForPort } from './support/net.js';
import { canRunPeers } from './support/require-peers.js';
import { pushLayout } from './support/skopeo.js';

/**
 * Issue 11, proof 0, end to end: the bundle with a docker.io mirror runs under
 * `docker compose up -d` on a private dockerd, and a LAN node (its own dockerd,
 * reached over real ssh) pulls `busybox` through it after trust-node: the mirror
 * container fills its cache from the upstream, a registry 3.1.1 container with a CA
 * of its own (the test-only override, support/compose-upstream.ts). The node reaches
 * the published port on the LAN bridge's address, the bundle's --host.
 */
const PEERS = ['dockerd', 'docker', 'docker-compose', 'skopeo', 'openssl', 'xz', 'busybox', 'sshd', 'ssh', 'ip', 'nsenter', 'unshare'];
const REPO = new URL('../../', import.meta.url).pathname;

describe.skipIf(!canRunPeers(PEERS))('LAN nodes pull through the bundle\'s mirror, run by docker compose', () => {
  const { root, layout, engine } = useEngineFile('rs-mirror-lan-', 'busybox through the mirror, under compose');
  let lan: Lan;
  let bundle: string;
  let node: LanNode;
  const ssh = () => ['--identity', lan.identityFile, '--ssh-option', 'IdentitiesOnly=yes', '--ssh-option', `UserKnownHostsFile=${lan.knownHostsFile}`, '--ssh-option', 'GlobalKnownHostsFile=/dev/null'];
  const cli = (...args: string[]) => execa('node', ['dist/cli.js', ...args, '--dir', bundle, ...ssh(), `root@${node.ip}`], { cwd: REPO, reject: false });
  const cachedBlobs = () => {
    const root = join(bundle, mirrorDataPath({ upstream: 'docker.io' }), 'docker/registry/v2/blobs/sha256');
    return existsSync(root) ? readdirSync(root).flatMap((p) => readdirSync(join(root, p))) : [];
  };

  beforeAll(async () => {
    lan = await createLan({ nodes: 1, name: 'ml' });
    node = lan.nodes[0]!;
    const [upPort, port, mirrorPort] = [await freePort(), await freePort(), await freePort()];
    const upstream = await makeUpstream(root, 'upstream', upPort);
    bundle = join(root, 'bundle');
    const r = await runCli(['init', '--dir', bundle, '--yes', '--host', lan.adminIp, '--port', String(port),
      '--mirror', `docker.io=https://upstream:${upPort}`, '--mirror-port', String(mirrorPort)], { env: engine().env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readBundleState(bundle).mirrors).toEqual([{ upstream: 'docker.io', url: `https://upstream:${upPort}`, port: mirrorPort }]);
    writeUpstreamOverride(bundle, { upstream: upstream.dir, port: upPort, trustDir: upstream.trustDir, mirrors: ['mirror-docker-io'] });
    const up = await engine().compose(bundle, [...composeFiles, 'up', '-d']);
    expect(up.exitCode, up.stderr).toBe(0);
    for (const p of [upPort, port, mirrorPort]) await waitForPort('127.0.0.1', p, 20_000);
    const pushed = await pushLayout(layout, 'v1', `127.0.0.1:${upPort}/library/busybox:latest`, { certDir: upstream.trustDir });
    expect(pushed.exitCode, pushed.stderr).toBe(0);
  }, 240_000);
  afterAll(async () => {
    if (bundle) await engine().compose(bundle, [...composeFiles, 'down']);
    await lan?.destroy();
  });

  it('a node cannot pull busybox before trust-node (Docker Hub is unreachable)', async () => {
    expect((await node.exec('docker pull busybox')).exitCode).not.toBe(0);
    expect(cachedBlobs()).toEqual([]);
  });

  it('after trust-node, `docker pull busybox` on the node goes through the mirror container, which caches the blobs', async () => {
    const pid = await node.dockerdPid();
    const r = await cli('trust-node');
    expect(r.exitCode, r.stderr).toBe(0);
    const pulled = await node.exec('docker pull busybox');
    expect(pulled, pulled.stderr).toMatchObject({ exitCode: 0 });
    expect(cachedBlobs().length).toBeGreaterThanOrEqual(2); // the config and the layer
    expect(await node.dockerdPid()).toBe(pid);
  });

  it('after untrust-node, dockerd no longer lists the mirror', async () => {
    const r = await cli('untrust-node');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse((await node.exec("docker info --format '{{json .RegistryConfig.Mirrors}}'")).stdout)).toEqual([]);
  });
});
