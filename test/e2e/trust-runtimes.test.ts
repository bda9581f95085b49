import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLan, type Lan, type LanNode } from './support/lan.js';
import { startService, type ServiceHandle } from './support/compose-stack.js';
import { freePort } from './support/net.js';
import { ctrPull, podmanPull } from './support/node-pull.js';
import { buildOciLayout } from './support/oci-image.js';
import { pushLayout } from './support/skopeo.js';
import { canRunPeers } from './support/require-peers.js';
import { listTree } from '../etc-unchanged.js';

/**
 * Issue 11: the files trust-node writes for containerd (hosts.toml) and podman (certs.d), proven
 * by the real programs pulling through them on a lan node, not by their text.
 */
const PEERS = ['dockerd', 'ctr', 'podman', 'sshd', 'ssh', 'ssh-keygen', 'ip', 'nsenter', 'unshare', 'useradd', 'skopeo', 'xz'];
const REPO = new URL('../../', import.meta.url).pathname;
const IMAGE = 'demo/hello:v1';

describe.skipIf(!canRunPeers(PEERS))('containerd and podman pull through the files trust-node writes', () => {
  let lan: Lan;
  let work: string;
  let dir: string;
  let addr: string;
  let creds: string;
  let registry: ServiceHandle;
  const n = (i: number): LanNode => lan.nodes[i - 1]!;
  const sshFlags = (): string[] => ['--identity', lan.identityFile, '--ssh-option', 'IdentitiesOnly=yes', '--ssh-option', `UserKnownHostsFile=${lan.knownHostsFile}`, '--ssh-option', 'GlobalKnownHostsFile=/dev/null'];
  const cli = async (...args: string[]) => {
    const r = await execa('node', ['dist/cli.js', ...args, ...sshFlags()], { cwd: REPO, reject: false });
    return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const etcOf = (node: LanNode) => Promise.all(['/etc/containerd', '/etc/containers', '/etc/docker'].map((p) => listTree(`/proc/${node.pid}/root${p}`)));

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'rs-runtimes-e2e-'));
    lan = await createLan({ nodes: 2, name: 'rt' });
    dir = join(work, 'bundle');
    const port = await freePort();
    const r = await execa('node', ['dist/cli.js', 'init', '--dir', dir, '--yes', '--host', lan.adminIp, '--port', String(port), '--json'], { cwd: REPO });
    creds = `admin:${JSON.parse(r.stdout).users[0].password}`;
    addr = `${lan.adminIp}:${port}`;
    registry = await startService(dir, 'registry');
    const layout = join(work, 'oci');
    await buildOciLayout(layout, 'v1');
    const certDir = join(work, 'skopeo-certs');
    await mkdir(certDir);
    await copyFile(join(dir, 'ca/ca.crt'), join(certDir, 'ca.crt'));
    const colon = creds.indexOf(':');
    const pushed = await pushLayout(layout, 'v1', `${addr}/${IMAGE}`, { certDir, creds: { username: creds.slice(0, colon), password: creds.slice(colon + 1) } });
    expect(pushed, pushed.stderr).toMatchObject({ exitCode: 0 });
  });

  afterAll(async () => {
    await registry?.stop();
    await lan?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  // containerd on n1, podman on n2: each node's other runtimes stay untouched.
  it.each([
    { runtime: 'containerd', node: 1, pull: ctrPull, wrote: (a: string) => `/etc/containerd/certs.d/${a}/hosts.toml` },
    { runtime: 'podman', node: 2, pull: podmanPull, wrote: (a: string) => `/etc/containers/certs.d/${a}/ca.crt` },
  ])('$runtime fails with x509 before trust-node, pulls with the file it writes, and untrust returns the files', async ({ runtime, node, pull, wrote }) => {
    const before = await pull(n(node), `${addr}/${IMAGE}`, { creds });
    expect(before.exitCode).not.toBe(0);
    expect(before.stderr).toMatch(/x509: certificate signed by unknown authority/);
    const etc = await etcOf(n(node));
    const t = await cli('trust-node', '--dir', dir, '--runtime', runtime, `root@${n(node).ip}`);
    expect(t, t.stderr).toMatchObject({ code: 0 });
    expect(t.stdout).toContain(`wrote ${wrote(addr)}`);
    const after = await pull(n(node), `${addr}/${IMAGE}`, { creds });
    expect(after, after.stderr).toMatchObject({ exitCode: 0 });
    const u = await cli('untrust-node', '--dir', dir, `root@${n(node).ip}`);
    expect(u, u.stderr).toMatchObject({ code: 0 });
    expect(await etcOf(n(node))).toEqual(etc);
  });
});
