import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DAEMON_CONFIG, NOSUDO_USER, SUDO_USER, createLan, type Lan, type LanNode } from './support/lan.js';
import { startService, type ServiceHandle } from './support/compose-stack.js';
import { freePort } from './support/net.js';
import { buildOciLayout } from './support/oci-image.js';
import { pushLayout } from './support/skopeo.js';
import { canRunPeers } from './support/require-peers.js';

/**
 * Issue 3's proof: the built CLI, real ssh into network-namespace nodes that each run their
 * own sshd and dockerd, and a real registry on the bridge address (not loopback, which docker
 * would treat as insecure anyway).
 */
const PEERS = ['dockerd', 'docker', 'sshd', 'ssh', 'ssh-keygen', 'ip', 'nsenter', 'unshare', 'sudo', 'useradd', 'docker-registry', 'skopeo', 'setpriv', 'curl'];
const REPO = new URL('../../', import.meta.url).pathname;
const IMAGE = 'demo/hello:v1';
// Keys of a daemon.json someone already maintains; they must all survive.
const KEPT = { ...DEFAULT_DAEMON_CONFIG, 'log-level': 'warn', labels: ['site=lab', 'tier=2'], 'default-ulimits': { nofile: { Name: 'nofile', Hard: 4096, Soft: 1024 } } };

interface Registry { dir: string; addr: string; password?: string; service: ServiceHandle }
interface CliRun { code: number; stdout: string; stderr: string; ms: number }

describe.skipIf(!canRunPeers(PEERS))('trust-node against a real lan and a real registry', () => {
  let lan: Lan;
  let work: string;
  let tls: Registry;
  let insecure: Registry;
  const n = (i: number): LanNode => lan.nodes[i - 1]!;

  const cli = async (args: string[], sshArgs = sshFlags()): Promise<CliRun> => {
    const t0 = performance.now();
    const r = await execa('node', ['dist/cli.js', ...args, ...sshArgs], { cwd: REPO, reject: false });
    return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
  };
  const sshFlags = (knownHosts = lan.knownHostsFile): string[] => [
    '--identity', lan.identityFile, '--ssh-option', 'IdentitiesOnly=yes',
    '--ssh-option', `UserKnownHostsFile=${knownHosts}`, '--ssh-option', 'GlobalKnownHostsFile=/dev/null',
  ];
  /** `docker login` + `docker pull` run by the node's own dockerd, with its own client config. */
  const loginAndPull = async (node: LanNode, reg: Registry): Promise<{ code: number; out: string }> => {
    const env = `DOCKER_CONFIG=${work}/docker-config-${node.name}`;
    const login = reg.password ? `printf %s '${reg.password}' | ${env} docker login ${reg.addr} -u admin --password-stdin && ` : '';
    const r = await node.exec(`${login}${env} docker pull ${reg.addr}/${IMAGE}`);
    return { code: r.exitCode, out: `${r.stdout}\n${r.stderr}` };
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'rs-trust-e2e-'));
    lan = await createLan({
      nodes: 9,
      name: 'tn',
      nodeSpecs: [{}, {}, { daemonJson: `${JSON.stringify(KEPT, null, 2)}\n` }, { daemonJson: '{"insecure-registries": [' }, {}, {}, {}, { daemonJson: `${JSON.stringify(KEPT, null, 2)}\n` }, { daemonJson: null }],
    });
    [tls, insecure] = await Promise.all([startRegistry('tls'), startRegistry('insecure')]);
    const layout = join(work, 'oci');
    await buildOciLayout(layout, 'v1');
    // Only ca.crt: skopeo would read the bundle's ca.key next to it as a client key.
    const certDir = join(work, 'skopeo-certs');
    await mkdir(certDir);
    await copyFile(join(tls.dir, 'ca/ca.crt'), join(certDir, 'ca.crt'));
    const pushed = await Promise.all([
      pushLayout(layout, 'v1', `${tls.addr}/${IMAGE}`, { certDir, creds: { username: 'admin', password: tls.password! } }),
      pushLayout(layout, 'v1', `${insecure.addr}/${IMAGE}`, { tlsVerify: false }),
    ]);
    for (const p of pushed) expect(p, p.stderr).toMatchObject({ exitCode: 0 });
  });

  afterAll(async () => {
    await Promise.all([tls?.service.stop(), insecure?.service.stop()]);
    await lan?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function startRegistry(mode: 'tls' | 'insecure'): Promise<Registry> {
    const dir = join(work, mode);
    const port = await freePort();
    const r = await execa('node', ['dist/cli.js', 'init', '--dir', dir, '--yes', '--host', lan.adminIp, '--port', String(port), '--mode', mode, '--json'], { cwd: REPO });
    const password: string | undefined = JSON.parse(r.stdout).users?.[0]?.password;
    return { dir, addr: `${lan.adminIp}:${port}`, ...(password && { password }), service: await startService(dir, 'registry') };
  }

  describe('1. certs mode', () => {
    let before: Tree;
    let pid: number | undefined;
    let daemonJson: Tree;

    it('fails a login and pull with x509 before trust-node', async () => {
      for (const node of [n(1), n(2)]) {
        const r = await loginAndPull(node, tls);
        expect(r.code).not.toBe(0);
        expect(r.out).toMatch(/x509: certificate signed by unknown authority/);
      }
    });

    it('trusts the named node, whose login and pull then work, without restarting dockerd', async () => {
      pid = await n(1).dockerdPid();
      daemonJson = await tree(n(1), '/etc/docker/daemon.json');
      const r = await cli(['trust-node', '--dir', tls.dir, `root@${n(1).ip}`]);
      expect(r, r.stderr).toMatchObject({ code: 0 });
      expect(r.stdout).toContain(`root@${n(1).ip}  changed  wrote /etc/docker/certs.d/${tls.addr}/ca.crt`);
      expect(await n(1).readFile(`/etc/docker/certs.d/${tls.addr}/ca.crt`)).toBe(await readFile(join(tls.dir, 'ca/ca.crt'), 'utf8'));
      const pulled = await loginAndPull(n(1), tls);
      expect(pulled.out).toMatch(/Login Succeeded/);
      expect(pulled).toMatchObject({ code: 0 });
      expect(await n(1).dockerdPid()).toBe(pid);
      expect(pid).toBeGreaterThan(0);
    });

    it('leaves a node it was not given untrusted', async () => {
      expect((await loginAndPull(n(2), tls)).out).toMatch(/x509: certificate signed by unknown authority/);
      // dockerd's own key.json is all there is besides daemon.json.
      const t = await tree(n(2), '/etc/docker');
      expect(Object.keys(t)).toEqual(['/etc/docker', '/etc/docker/daemon.json', '/etc/docker/key.json']);
      expect(t['/etc/docker/daemon.json']).toBe(`644 ${JSON.stringify(DEFAULT_DAEMON_CONFIG)}`);
    });

    it('changes no file on a second run, says unchanged, and leaves daemon.json alone', async () => {
      before = await tree(n(1), '/etc/docker', true);
      const r = await cli(['trust-node', '--dir', tls.dir, `root@${n(1).ip}`]);
      expect(r, r.stderr).toMatchObject({ code: 0 });
      expect(r.stdout).toContain(`root@${n(1).ip}  unchanged  -`);
      expect(await tree(n(1), '/etc/docker', true)).toEqual(before);
      expect(await tree(n(1), '/etc/docker/daemon.json')).toEqual(daemonJson);
      expect(await n(1).dockerdPid()).toBe(pid);
    });

    it('reports trust with --check: the trusted node passes, the other fails by name', async () => {
      const r = await cli(['trust-node', '--check', '--dir', tls.dir, `root@${n(1).ip}`, `root@${n(2).ip}`, '--json']);
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout);
      expect(doc.hosts.map((h: { host: string; result: string }) => [h.host, h.result])).toEqual([[`root@${n(1).ip}`, 'trusted'], [`root@${n(2).ip}`, 'untrusted']]);
      expect(await tree(n(1), '/etc/docker', true)).toEqual(before);
    });
  });

  describe('2. insecure mode', () => {
    let pid: number | undefined;
    let broken: Tree;

    it('serves plain HTTP', async () => {
      expect((await execa('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `http://${insecure.addr}/v2/`])).stdout).toBe('200');
      expect((await loginAndPull(n(3), insecure)).out).toMatch(/http: server gave HTTP response to HTTPS client/);
    });

    it('merges the entry on one node and fails the broken one by name, file untouched, exit 1', async () => {
      pid = await n(3).dockerdPid();
      broken = await tree(n(4), '/etc/docker', true);
      const r = await cli(['trust-node', '--dir', insecure.dir, `root@${n(3).ip}`, `root@${n(4).ip}`]);
      expect(r.code).toBe(1);
      // podman is installed here too, so its registries.conf.d line may come first.
      expect(r.stdout).toMatch(new RegExp(`root@${n(3).ip.replace(/\./g, '\\.')} +changed +(?:.*\\n +)*?added ${insecure.addr} to insecure-registries`));
      expect(r.stdout).toMatch(new RegExp(`root@${n(4).ip.replace(/\./g, '\\.')} +failed +/etc/docker/daemon.json was left as it was: the document ends too early \\(line 1\\)`));
      expect(r.stderr).toContain(`1 of 2 hosts failed: root@${n(4).ip}`);
      expect(await tree(n(4), '/etc/docker', true)).toEqual(broken);
    });

    it('keeps every other key, lists the entry once, and keeps dockerd running', async () => {
      const config = JSON.parse(await n(3).readFile('/etc/docker/daemon.json'));
      expect(config).toEqual({ ...KEPT, 'insecure-registries': [insecure.addr] });
      expect(await n(3).dockerdPid()).toBe(pid);
      const info = await n(3).exec("docker info --format '{{json .RegistryConfig.IndexConfigs}}'");
      expect(JSON.parse(info.stdout)[insecure.addr]).toMatchObject({ Name: insecure.addr, Secure: false });
    });

    it('lets the node pull', async () => {
      expect(await loginAndPull(n(3), insecure)).toMatchObject({ code: 0 });
    });

    it('adds nothing twice on a second run', async () => {
      const before = await tree(n(3), '/etc/docker', true);
      const r = await cli(['trust-node', '--dir', insecure.dir, `root@${n(3).ip}`]);
      expect(r, r.stderr).toMatchObject({ code: 0 });
      expect(r.stdout).toContain('unchanged');
      expect(await tree(n(3), '/etc/docker', true)).toEqual(before);
    });

    it('puts the old daemon.json back when dockerd refuses the new one', async () => {
      // n9's dockerd runs with --storage-driver as a flag; the same key in the file makes a reload fail.
      await n(9).writeFile('/etc/docker/daemon.json', '{"storage-driver": "vfs"}\n');
      const before = await tree(n(9), '/etc/docker');
      // Only dockerd: podman's drop-in (podman is installed here) would rightly stay, with its record.
      const r = await cli(['trust-node', '--dir', insecure.dir, '--runtime', 'docker', `root@${n(9).ip}`]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('dockerd did not take the new /etc/docker/daemon.json');
      expect(await tree(n(9), '/etc/docker')).toEqual(before);
      expect(await n(9).dockerdPid()).toBeGreaterThan(0);
      expect(await n(9).exec('ls -A /var/lib/registry-setup')).toMatchObject({ stdout: '' });
    });
  });

  describe('3. sudo', () => {
    it('works for a login user with passwordless sudo', async () => {
      const r = await cli(['trust-node', '--dir', tls.dir, `${SUDO_USER}@${n(5).ip}`]);
      expect(r, r.stderr).toMatchObject({ code: 0 });
      expect(await n(5).readFile(`/etc/docker/certs.d/${tls.addr}/ca.crt`)).toContain('BEGIN CERTIFICATE');
      expect(await loginAndPull(n(5), tls)).toMatchObject({ code: 0 });
    });

    it('fails clearly for a user without sudo, and touches nothing', async () => {
      const before = await tree(n(6), '/etc/docker', true);
      const r = await cli(['trust-node', '--dir', tls.dir, `${NOSUDO_USER}@${n(6).ip}`]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`${NOSUDO_USER}@${n(6).ip}  failed  sudo needs a password here, or ${NOSUDO_USER} may not use sudo`);
      expect(r.stdout).toContain('nothing was changed');
      expect(await tree(n(6), '/etc/docker', true)).toEqual(before);
      expect(await n(6).exec('ls -A /var/lib/registry-setup')).toMatchObject({ stdout: '' });
    });
  });

  describe('4. hosts that cannot be reached', () => {
    it('fails an unreachable address by name, quickly, while the others succeed', async () => {
      const r = await cli(['trust-node', '--dir', tls.dir, 'root@10.231.0.99', `root@${n(1).ip}`]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/root@10\.231\.0\.99 +failed +unreachable: ssh: connect to host 10\.231\.0\.99 port 22: (No route to host|Connection timed out)/);
      expect(r.stdout).toMatch(/root@10\.231\.0\.1 +unchanged/);
      expect(r.ms).toBeLessThan(12_000);
    });

    it('fails an unknown host key by name, quickly, with how to add it', async () => {
      const known = await lan.knownHostsFileWithout(n(7));
      const before = await tree(n(7), '/etc/docker', true);
      const r = await cli(['trust-node', '--dir', tls.dir, `root@${n(7).ip}`], sshFlags(known));
      expect(r, r.stderr).toMatchObject({ code: 1 });
      expect(r.stdout).toContain(`root@${n(7).ip}  failed  its host key is unknown`);
      expect(r.stdout).toContain(`ssh-keyscan ${n(7).ip} >> ~/.ssh/known_hosts`);
      expect(r.stderr).toContain(`1 of 1 hosts failed: root@${n(7).ip}`);
      expect(r.ms).toBeLessThan(5000);
      expect(await tree(n(7), '/etc/docker', true)).toEqual(before);
    });
  });

  describe('5. untrust-node', () => {
    it('returns a node to where it was after certs and insecure trust', async () => {
      const node = n(8);
      // Someone else's trust for another registry, an older CA where ours goes, a daemon.json kept private.
      await node.exec(`mkdir -p /etc/docker/certs.d/other:5000 '/etc/docker/certs.d/${tls.addr}' && echo theirs > /etc/docker/certs.d/other:5000/ca.crt && echo old-ca > '/etc/docker/certs.d/${tls.addr}/ca.crt' && chmod 640 /etc/docker/daemon.json`);
      const before = await tree(node, '/etc/docker');
      const listed = (await node.exec("docker info --format '{{json .RegistryConfig.IndexConfigs}}'")).stdout;
      const pid = await node.dockerdPid();

      expect(await cli(['trust-node', '--dir', tls.dir, `root@${node.ip}`])).toMatchObject({ code: 0 });
      expect(await cli(['trust-node', '--dir', insecure.dir, `root@${node.ip}`])).toMatchObject({ code: 0 });
      expect(await loginAndPull(node, tls)).toMatchObject({ code: 0 });
      expect(await tree(node, '/etc/docker')).not.toEqual(before);
      expect((await tree(node, '/etc/docker/daemon.json'))['/etc/docker/daemon.json']).toMatch(/^640 /);

      const r = await cli(['untrust-node', '--dir', tls.dir, `root@${node.ip}`]);
      expect(r, r.stderr).toMatchObject({ code: 0 });
      expect(r.stdout).toContain(`restored /etc/docker/certs.d/${tls.addr}/ca.crt`);
      const r2 = await cli(['untrust-node', '--dir', insecure.dir, `root@${node.ip}`]);
      expect(r2, r2.stderr).toMatchObject({ code: 0 });

      expect(await tree(node, '/etc/docker')).toEqual(before);
      expect((await node.exec("docker info --format '{{json .RegistryConfig.IndexConfigs}}'")).stdout).toBe(listed);
      expect(await node.exec('ls -A /var/lib/registry-setup')).toMatchObject({ stdout: '' });
      expect(await node.dockerdPid()).toBe(pid);
      const again = await cli(['untrust-node', '--dir', tls.dir, `root@${node.ip}`]);
      expect(again.stdout).toContain('unchanged');
    });
  });
});

type Tree = Record<string, string>;

/** Every path under `root` on the node: mode and contents (and inode + mtime with `exact`). */
async function tree(node: LanNode, root: string, exact = false): Promise<Tree> {
  const base = `/proc/${node.pid}/root`;
  const out: Tree = {};
  const walk = async (p: string): Promise<void> => {
    const st = await lstat(base + p).catch(() => null);
    if (!st) return;
    const id = exact ? ` ino=${st.ino} mtime=${st.mtimeMs}` : '';
    const mode = (st.mode & 0o777).toString(8);
    if (st.isDirectory()) {
      out[p] = `dir ${mode}${id}`;
      for (const e of (await readdir(base + p)).sort()) await walk(`${p}/${e}`);
    } else {
      out[p] = `${mode}${id} ${await readFile(base + p, 'utf8')}`;
    }
  };
  await walk(root);
  return out;
}
