import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MirrorRecord } from '../../src/mirrors/upstreams.js';
import { createLan, DEFAULT_DAEMON_CONFIG, type Lan, type LanNode } from './support/lan.js';
import { startMirror, startUpstream, type RunningRegistry } from './support/mirror-fixture.js';
import { readBundleState } from '../../src/bundle/read-state.js';
import { freePort } from './support/net.js';
import { ctrPull, podmanPull } from './support/node-pull.js';
import { buildOciLayout } from './support/oci-image.js';
import { pushLayout } from './support/skopeo.js';
import { canRunPeers } from './support/require-peers.js';
import { listTree } from '../etc-unchanged.js';

/**
 * Issue 11's proof of trust-node --mirrors: real registry 3.1.1 mirrors (proxy.remoteurl) of an
 * upstream with its own CA, and lan nodes whose dockerd, containerd and podman pull public
 * names (docker.io/..., ghcr.io/...) through them, Docker Hub and ghcr.io being unreachable.
 */
const PEERS = ['dockerd', 'docker', 'ctr', 'podman', 'sshd', 'ssh', 'ssh-keygen', 'ip', 'nsenter', 'unshare', 'useradd', 'skopeo', 'openssl', 'xz'];
const REPO = new URL('../../', import.meta.url).pathname;
const KEPT = { ...DEFAULT_DAEMON_CONFIG, 'log-level': 'warn', labels: ['site=lab'] };

describe.skipIf(!canRunPeers(PEERS))('trust-node --mirrors: every runtime pulls public names through the bundle\'s mirrors', () => {
  let lan: Lan;
  let work: string;
  let bundle: string;
  let upstream: RunningRegistry & { caFile: string };
  const mirrors: Record<string, RunningRegistry> = {};
  let records: MirrorRecord[];
  const n = (i: number): LanNode => lan.nodes[i - 1]!;
  const at = (upstreamName: string): string => mirrors[upstreamName]!.address;
  const sshFlags = (): string[] => ['--identity', lan.identityFile, '--ssh-option', 'IdentitiesOnly=yes', '--ssh-option', `UserKnownHostsFile=${lan.knownHostsFile}`, '--ssh-option', 'GlobalKnownHostsFile=/dev/null'];
  const cli = async (...args: string[]) => {
    const r = await execa('node', ['dist/cli.js', ...args, ...sshFlags()], { cwd: REPO, reject: false });
    return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const etcOf = (node: LanNode) => Promise.all(['/etc/docker', '/etc/containerd', '/etc/containers', '/etc/rancher'].map((p) => listTree(`/proc/${node.pid}/root${p}`)));
  /** Blob files the mirror now stores (it fetched them from the upstream on the first pull). */
  const storedBlobs = async (m: RunningRegistry): Promise<string[]> => {
    const root = join(m.storage, 'docker/registry/v2/blobs/sha256');
    const prefixes = await readdir(root).catch(() => []);
    return (await Promise.all(prefixes.map((p) => readdir(join(root, p))))).flat();
  };
  const dockerMirrors = async (node: LanNode) => (await node.exec("docker info --format '{{json .RegistryConfig.Mirrors}}'")).stdout;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'rs-mirrors-e2e-'));
    lan = await createLan({ nodes: 4, name: 'tm', nodeSpecs: [{ daemonJson: `${JSON.stringify(KEPT, null, 2)}\n` }, {}, {}, { rancher: 'k3s' }] });
    upstream = await startUpstream(join(work, 'upstream'), lan.adminIp, await freePort());
    // The upstream holds Docker Hub's busybox and a ghcr.io-style repository.
    const layout = join(work, 'oci');
    await buildOciLayout(layout, 'latest', 'busybox, from the test upstream\n');
    await buildOciLayout(layout, 'v1', 'a ghcr.io tool, from the test upstream\n');
    const certDir = join(work, 'upstream-certs');
    await mkdir(certDir);
    await copyFile(upstream.caFile, join(certDir, 'ca.crt'));
    for (const [tag, repo] of [['latest', 'library/busybox:latest'], ['v1', 'rs-owner/tool:v1']] as const) {
      const pushed = await pushLayout(layout, tag, `${upstream.address}/${repo}`, { certDir });
      expect(pushed, pushed.stderr).toMatchObject({ exitCode: 0 });
    }
    bundle = join(work, 'bundle');
    // The bundle's own mirrors (init --mirror), both fetching from the test upstream.
    const url = `https://${upstream.address}`;
    await execa('node', ['dist/cli.js', 'init', '--dir', bundle, '--yes', '--host', lan.adminIp, '--port', String(await freePort()), '--json',
      '--mirror', `docker.io=${url}`, '--mirror', `ghcr.io=${url}`, '--mirror-port', String(await freePort())], { cwd: REPO });
    records = readBundleState(bundle).mirrors!;
    for (const r of records) mirrors[r.upstream] = await startMirror(bundle, r, upstream.caFile);
  });

  afterAll(async () => {
    await Promise.all(Object.values(mirrors).map((m) => m.stop()));
    await upstream?.stop();
    await lan?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe('dockerd', () => {
    let before: Awaited<ReturnType<typeof etcOf>>;
    let pid: number | undefined;

    it('cannot pull busybox before trust-node (Docker Hub is unreachable)', async () => {
      before = await etcOf(n(1));
      pid = await n(1).dockerdPid();
      expect((await n(1).exec('docker pull busybox')).exitCode).not.toBe(0);
    });

    it('pulls busybox through the docker.io mirror after trust-node, whose storage then holds the blobs; dockerd keeps its pid and every other key', async () => {
      const r = await cli('trust-node', '--dir', bundle, `root@${n(1).ip}`);
      expect(r, r.stderr).toMatchObject({ code: 0 });
      expect(r.stdout).toContain(`added https://${at('docker.io')} to registry-mirrors in /etc/docker/daemon.json`);
      expect(r.stdout).toContain(`wrote /etc/docker/certs.d/${at('docker.io')}/ca.crt`);
      expect(r.stderr).toContain(`dockerd mirrors only docker.io, so it cannot use the mirror of ghcr.io`);
      expect(JSON.parse(await dockerMirrors(n(1)))).toEqual([`https://${at('docker.io')}/`]);
      expect(JSON.parse(await n(1).readFile('/etc/docker/daemon.json'))).toEqual({ ...KEPT, 'registry-mirrors': [`https://${at('docker.io')}`] });
      expect(await storedBlobs(mirrors['docker.io']!)).toEqual([]);
      const pulled = await n(1).exec('docker pull busybox');
      expect(pulled, pulled.stderr).toMatchObject({ exitCode: 0 });
      expect((await storedBlobs(mirrors['docker.io']!)).length).toBeGreaterThanOrEqual(2); // config and layer
      expect(await n(1).dockerdPid()).toBe(pid);
    });

    it('changes nothing on a second trust-node, and --check --json reports the mirror', async () => {
      const trusted = await etcOf(n(1));
      const again = await cli('trust-node', '--dir', bundle, `root@${n(1).ip}`);
      expect(again, again.stderr).toMatchObject({ code: 0 });
      expect(again.stdout).toContain('unchanged');
      expect(await etcOf(n(1))).toEqual(trusted);
      const check = await cli('trust-node', '--check', '--json', '--dir', bundle, `root@${n(1).ip}`);
      expect(check, check.stderr).toMatchObject({ code: 0 });
      const doc = JSON.parse(check.stdout);
      expect(doc.mirrors).toEqual([{ upstream: 'docker.io', address: at('docker.io') }, { upstream: 'ghcr.io', address: at('ghcr.io') }]);
      expect(doc.hosts[0].states).toContainEqual({ state: 'ok', what: `dockerd lists https://${at('docker.io')}` });
    });

    it('untrust-node returns every file byte for byte, and dockerd no longer lists the mirror', async () => {
      const r = await cli('untrust-node', '--dir', bundle, `root@${n(1).ip}`);
      expect(r, r.stderr).toMatchObject({ code: 0 });
      expect(await etcOf(n(1))).toEqual(before);
      expect(JSON.parse(await dockerMirrors(n(1)))).toEqual([]);
      expect(await n(1).dockerdPid()).toBe(pid);
    });
  });

  it('containerd pulls a ghcr.io name through its mirror, and untrust returns its files', async () => {
    const ref = 'ghcr.io/rs-owner/tool:v1';
    const before = await etcOf(n(2));
    expect((await ctrPull(n(2), ref)).exitCode).not.toBe(0);
    const r = await cli('trust-node', '--dir', bundle, '--runtime', 'containerd', `root@${n(2).ip}`);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout).toContain('wrote /etc/containerd/certs.d/ghcr.io/hosts.toml');
    const pulled = await ctrPull(n(2), ref);
    expect(pulled, pulled.stderr).toMatchObject({ exitCode: 0 });
    expect((await storedBlobs(mirrors['ghcr.io']!)).length).toBeGreaterThanOrEqual(2);
    const u = await cli('untrust-node', '--dir', bundle, `root@${n(2).ip}`);
    expect(u, u.stderr).toMatchObject({ code: 0 });
    expect(await etcOf(n(2))).toEqual(before);
  });

  it('podman pulls a docker.io name through the mirror via registries.conf.d, and untrust returns its files', async () => {
    const before = await etcOf(n(3));
    expect((await podmanPull(n(3), 'docker.io/library/busybox:latest')).exitCode).not.toBe(0);
    const r = await cli('trust-node', '--dir', bundle, '--runtime', 'podman', `root@${n(3).ip}`);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout).toContain('wrote /etc/containers/registries.conf.d/50-registry-setup.conf');
    for (const ref of ['docker.io/library/busybox:latest', 'busybox']) {
      const pulled = await podmanPull(n(3), ref);
      expect(pulled, pulled.stderr).toMatchObject({ exitCode: 0 });
    }
    const u = await cli('untrust-node', '--dir', bundle, `root@${n(3).ip}`);
    expect(u, u.stderr).toMatchObject({ code: 0 });
    expect(await etcOf(n(3))).toEqual(before);
  });

  it('gives a k3s node registries.yaml mirrors and the mirrors\' CAs, says a restart is needed, and untrust returns every file', async () => {
    const before = await etcOf(n(4));
    const r = await cli('trust-node', '--dir', bundle, `root@${n(4).ip}`);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stderr).toMatch(/k3s\/RKE2 read registries\.yaml only when they start/);
    const yaml = parseYaml(await n(4).readFile('/etc/rancher/k3s/registries.yaml'));
    expect(yaml.mirrors).toEqual({ 'docker.io': { endpoint: [`https://${at('docker.io')}`] }, 'ghcr.io': { endpoint: [`https://${at('ghcr.io')}`] } });
    expect(yaml.configs[at('ghcr.io')]).toEqual({ tls: { ca_file: `/etc/rancher/k3s/registry-setup/${at('ghcr.io')}/ca.crt` } });
    const u = await cli('untrust-node', '--dir', bundle, `root@${n(4).ip}`);
    expect(u, u.stderr).toMatchObject({ code: 0 });
    expect(await etcOf(n(4))).toEqual(before);
  });
});
