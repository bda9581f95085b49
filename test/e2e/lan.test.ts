import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunPeers } from './support/require-peers.js';
import { ADMIN_IP, DEFAULT_DAEMON_CONFIG, NOSUDO_USER, SUDO_USER, createLan, type Lan } from './support/lan.js';

const peers = ['dockerd', 'sshd', 'ip', 'nsenter', 'unshare', 'ssh', 'ssh-keygen', 'sudo', 'useradd', 'curl'];

/** Root-namespace pids of every process in the lan's namespaces. */
async function lanPids(lan: Lan): Promise<number[]> {
  const all = await Promise.all(lan.nodes.map((n) => execa('ip', ['netns', 'pids', n.name])));
  return all.flatMap((r) => r.stdout.split(/\s+/).filter(Boolean).map(Number));
}

describe.skipIf(!canRunPeers(peers))('a lan of two docker nodes', () => {
  let lan: Lan;

  beforeAll(async () => {
    const t0 = performance.now();
    lan = await createLan({ nodes: 2 });
    console.info(`2-node lan ready in ${Math.round(performance.now() - t0)} ms`);
  });
  afterAll(() => lan?.destroy());

  it('lets root and the sudo user in with strict host key checking, and refuses sudo to the other', async () => {
    expect(lan.sshArgs).toContain('StrictHostKeyChecking=yes');
    for (const node of lan.nodes) {
      const [root, sudo, nosudo] = await Promise.all([
        lan.ssh('root', node, 'id -u && cat /proc/1/cmdline | tr "\\0" " "'),
        lan.ssh(SUDO_USER, node, 'sudo -n true'),
        lan.ssh(NOSUDO_USER, node, 'sudo -n true'),
      ]);
      expect(root).toMatchObject({ exitCode: 0 });
      // The session runs in the node's pid namespace, whose init is our sleep.
      expect(root.stdout).toBe('0\nsleep infinity ');
      expect(sudo).toMatchObject({ exitCode: 0 });
      expect(nosudo.exitCode).not.toBe(0);
      expect(nosudo.stderr).toMatch(/password is required/);
    }
  });

  it('refuses a node whose host key is not in known_hosts', async () => {
    const [n1, n2] = lan.nodes as [Lan['nodes'][0], Lan['nodes'][0]];
    const known = await lan.knownHostsFileWithout(n1);
    expect((await lan.ssh('root', n1, 'true', { knownHostsFile: known })).stderr).toMatch(/Host key verification failed/);
    expect(await lan.ssh('root', n2, 'true', { knownHostsFile: known })).toMatchObject({ exitCode: 0 });
  });

  it('runs dockerd with the vfs driver on every node', async () => {
    for (const node of lan.nodes) {
      expect(await node.exec('docker info -f {{.Driver}}')).toMatchObject({ exitCode: 0, stdout: 'vfs' });
      expect(JSON.parse(await node.readFile('/etc/docker/daemon.json'))).toEqual(DEFAULT_DAEMON_CONFIG);
    }
  });

  it('gives each node its own /etc/docker', async () => {
    const [n1, n2] = lan.nodes as [Lan['nodes'][0], Lan['nodes'][0]];
    expect(await lan.ssh('root', n1, 'mkdir -p /etc/docker/certs.d/only-n1')).toMatchObject({ exitCode: 0 });
    expect(existsSync(join(n1.dir, 'etc-docker/certs.d/only-n1'))).toBe(true);
    expect((await n2.exec('test -e /etc/docker/certs.d/only-n1')).exitCode).not.toBe(0);
    expect(existsSync('/etc/docker/certs.d/only-n1')).toBe(false);
  });

  it('gives each node its own copy of every runtime\'s files, seeded as a fresh install has them', async () => {
    const [n1, n2] = lan.nodes as [Lan['nodes'][0], Lan['nodes'][0]];
    // podman runs at all only with policy.json; registries.conf is the package's own.
    for (const node of lan.nodes) {
      expect(await node.readFile('/etc/containers/policy.json')).toMatch(/insecureAcceptAnything/);
      expect(await node.readFile('/etc/containers/registries.conf')).toBeTruthy();
    }
    for (const dir of ['/etc/containers/certs.d', '/etc/containers/registries.conf.d', '/etc/containerd/certs.d', '/etc/rancher/k3s', '/root/.docker', '/var/lib/containers']) {
      const probe = `${dir}/only-n1`;
      expect(await lan.ssh('root', n1, `mkdir -p ${probe}`)).toMatchObject({ exitCode: 0 });
      expect((await n1.exec(`test -d ${probe}`)).exitCode).toBe(0);
      expect((await n2.exec(`test -e ${probe}`)).exitCode, `${dir} is shared with n2`).not.toBe(0);
      expect(existsSync(probe), `${dir} is the machine's`).toBe(false);
    }
  });

  it('reaches a server on the admin host from every node', async () => {
    const server: Server = createServer((_req, res) => res.end('admin-host'));
    await new Promise<void>((resolve) => server.listen(0, ADMIN_IP, resolve));
    const { port } = server.address() as { port: number };
    try {
      for (const node of lan.nodes) {
        expect(await node.exec(`curl -sS --max-time 5 http://${ADMIN_IP}:${port}/`)).toMatchObject({ stdout: 'admin-host' });
      }
    } finally {
      server.close();
    }
  });

  it('reloads insecure-registries on SIGHUP without a new dockerd', async () => {
    const node = lan.nodes[0]!;
    const before = await node.dockerdPid();
    const config = { ...JSON.parse(await node.readFile('/etc/docker/daemon.json')), 'insecure-registries': [`${ADMIN_IP}:5000`] };
    await node.writeFile('/etc/docker/daemon.json', JSON.stringify(config));
    expect(await node.exec('kill -HUP $(cat /run/docker.pid)')).toMatchObject({ exitCode: 0 });
    await expect.poll(async () => (await node.exec('docker info')).stdout).toContain(`${ADMIN_IP}:5000`);
    expect(await node.dockerdPid()).toBe(before);
    expect(before).toBeGreaterThan(1);
    expect((await lan.nodes[1]!.exec('docker info')).stdout).not.toContain(`${ADMIN_IP}:5000`);
  });

  it('writes a CA on every node with parallel ssh one-liners', async () => {
    const ca = join(lan.dir, 'ca.crt');
    await writeFile(ca, 'not really a certificate\n');
    const ms = await lan.parallelOneLiners(ca, `${ADMIN_IP}:5443`);
    console.info(`parallel one-liners on ${lan.nodes.length} nodes: ${Math.round(ms)} ms`);
    for (const node of lan.nodes) {
      expect(await node.readFile(`/etc/docker/certs.d/${ADMIN_IP}:5443/ca.crt`)).toBe('not really a certificate\n');
    }
  });

  it('leaves nothing behind after destroy', async () => {
    const pids = await lanPids(lan);
    expect(pids.length).toBeGreaterThanOrEqual(lan.nodes.length * 4); // unshare, sleep, dockerd, containerd, sshd
    await lan.destroy();
    expect(pids.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);
    const { stdout: netns } = await execa('ip', ['netns', 'list']);
    expect(netns).not.toMatch(/^rs-n\d+/m);
    expect((await execa('ip', ['link', 'show', 'rs-br'], { reject: false })).exitCode).not.toBe(0);
    expect((await execa('pgrep', ['-f', lan.dir], { reject: false })).stdout).toBe('');
    expect(existsSync(lan.dir)).toBe(false);
  });
});

describe.skipIf(!canRunPeers(peers))('a lan of ten nodes with unusual daemon.json', () => {
  let lan: Lan;

  beforeAll(async () => {
    const t0 = performance.now();
    lan = await createLan({ nodes: 10, nodeSpecs: [{ daemonJson: '{"insecure-registries": [' }, { daemonJson: null }] });
    console.info(`10-node lan ready in ${Math.round(performance.now() - t0)} ms`);
  });
  afterAll(() => lan?.destroy());

  it('keeps ssh up where dockerd refused an invalid daemon.json', async () => {
    const node = lan.nodes[0]!;
    expect(node.dockerExpected).toBe(false);
    expect(await node.readFile('/etc/docker/daemon.json')).toBe('{"insecure-registries": [');
    expect(await lan.ssh('root', node, 'true')).toMatchObject({ exitCode: 0 });
    expect(await node.dockerdPid()).toBeUndefined();
  });

  it('runs docker with no daemon.json at all', async () => {
    const node = lan.nodes[1]!;
    await expect(node.readFile('/etc/docker/daemon.json')).rejects.toThrow(/ENOENT/);
    expect(await node.exec('docker info -f {{.Driver}}')).toMatchObject({ stdout: 'vfs' });
  });

  it('times the ssh one-liner reference on ten nodes', async () => {
    const ca = join(lan.dir, 'ca.crt');
    await writeFile(ca, 'ca\n');
    const ms = await lan.parallelOneLiners(ca, `${ADMIN_IP}:5000`);
    console.info(`parallel one-liners on ${lan.nodes.length} nodes: ${Math.round(ms)} ms`);
    expect(await lan.nodes[9]!.readFile(`/etc/docker/certs.d/${ADMIN_IP}:5000/ca.crt`)).toBe('ca\n');
  });
});
