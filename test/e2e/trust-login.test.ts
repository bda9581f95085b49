import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createLan, type Lan, type LanNode } from './support/lan.js';
import { startService, startStack, type ServiceHandle } from './support/compose-stack.js';
import { freePort } from './support/net.js';
import { buildOciLayout } from './support/oci-image.js';
import { pushLayout } from './support/skopeo.js';
import { canRunPeers } from './support/require-peers.js';

/**
 * Issue 10's nodes: after trust-node --login (or --login-generate) a LAN node's own dockerd
 * pulls with no `docker login`; root's config.json keeps what it had and untrust-node puts it
 * back byte for byte; a k3s node gets a registries.yaml; k8s-secret's dockerconfigjson pulls.
 */
const PEERS = ['dockerd', 'docker', 'sshd', 'ssh', 'ssh-keygen', 'ip', 'nsenter', 'unshare', 'docker-registry', 'skopeo', 'setpriv'];
const REPO = new URL('../../', import.meta.url).pathname;
const IMAGE = 'demo/hello:v1';
// What `docker login` and Docker Desktop leave: another registry, a helper, a store.
const THEIRS = `{\n\t"auths": {\n\t\t"other.example:443": {\n\t\t\t"auth": "b3RoZXI6cHc="\n\t\t}\n\t},\n\t"credsStore": "desktop",\n\t"credHelpers": {\n\t\t"gcr.io": "gcloud"\n\t}\n}`;
const CJ = '/root/.docker/config.json';

interface CliRun { code: number; stdout: string; stderr: string }

describe.skipIf(!canRunPeers(PEERS))('trust-node --login against a real lan and a real registry', () => {
  let lan: Lan;
  let work: string;
  let dir: string;
  let addr: string;
  let admin: string;
  let service: ServiceHandle;
  const n = (i: number): LanNode => lan.nodes[i - 1]!;
  const at = (i: number): string => `root@${n(i).ip}`;

  const cli = async (args: string[], input?: string): Promise<CliRun> => {
    const ssh = ['--identity', lan.identityFile, '--ssh-option', 'IdentitiesOnly=yes', '--ssh-option', `UserKnownHostsFile=${lan.knownHostsFile}`, '--ssh-option', 'GlobalKnownHostsFile=/dev/null'];
    const r = await execa('node', ['dist/cli.js', ...args, ...(args[0]?.endsWith('trust-node') ? ssh : [])], { cwd: REPO, reject: false, ...(input !== undefined ? { input } : { stdin: 'ignore' }) });
    return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  /** A pull by the node's own dockerd, with root's own client config and no login of its own. */
  const pull = async (node: LanNode): Promise<{ code: number; out: string }> => {
    const r = await node.exec(`docker rmi -f ${addr}/${IMAGE} >/dev/null 2>&1; env -u DOCKER_CONFIG HOME=/root docker pull ${addr}/${IMAGE}`);
    return { code: r.exitCode, out: `${r.stdout}\n${r.stderr}` };
  };
  const fileOf = async (node: LanNode, path: string): Promise<{ mode: string; text: string } | null> => {
    try {
      const st = await stat(`/proc/${node.pid}/root${path}`);
      return { mode: (st.mode & 0o777).toString(8), text: await node.readFile(path) };
    } catch {
      return null;
    }
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'rs-login-e2e-'));
    lan = await createLan({
      nodes: 8,
      name: 'tl',
      nodeSpecs: [{}, { dockerConfig: THEIRS }, { dockerConfig: '{"auths": {' }, {}, { rancher: 'k3s', dockerConfig: THEIRS }, {}, {}, {}],
    });
    dir = join(work, 'tls');
    const port = await freePort();
    const r = await execa('node', ['dist/cli.js', 'init', '--dir', dir, '--yes', '--host', lan.adminIp, '--port', String(port), '--json'], { cwd: REPO });
    admin = JSON.parse(r.stdout).users[0].password;
    addr = `${lan.adminIp}:${port}`;
    service = await startService(dir, 'registry');
    const layout = join(work, 'oci');
    await buildOciLayout(layout, 'v1');
    const certDir = join(work, 'certs');
    await mkdir(certDir);
    await copyFile(join(dir, 'ca/ca.crt'), join(certDir, 'ca.crt'));
    const pushed = await pushLayout(layout, 'v1', `${addr}/${IMAGE}`, { certDir, creds: { username: 'admin', password: admin } });
    expect(pushed, pushed.stderr).toMatchObject({ exitCode: 0 });
  });

  afterAll(async () => {
    await service?.stop();
    await lan?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('fails a pull with no login once the node trusts the CA', async () => {
    const r = await cli(['trust-node', '--dir', dir, at(1)]);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect((await pull(n(1))).out).toMatch(/no basic auth credentials/);
  });

  let kept: string;
  it('--login-generate makes the node user once, and the node then pulls with no docker login', async () => {
    const r = await cli(['trust-node', '--dir', dir, '--login-generate', at(1)]);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stderr).toContain('created the node user nodes');
    expect(r.stderr).toMatch(/warning: htpasswd has no roles, so the node user nodes can push and delete too/);
    expect(r.stdout).toContain(`wrote ${CJ} with a login for ${addr}`);
    kept = await readFile(join(dir, 'node-login/login.json'), 'utf8');
    expect((await stat(join(dir, 'node-login/login.json'))).mode & 0o777).toBe(0o600);
    const login = JSON.parse(kept);
    expect(await fileOf(n(1), CJ)).toEqual({ mode: '600', text: `{\n\t"auths": {\n\t\t"${addr}": {"auth": "${Buffer.from(`nodes:${login.password}`).toString('base64')}"}\n\t}\n}\n` });
    expect(await pull(n(1))).toMatchObject({ code: 0 });
    // No container mounts the store: the compose file names .gen and .tls only.
    expect(await readFile(join(dir, 'docker-compose.yml'), 'utf8')).not.toContain('.node-login');
  });

  it('reuses the same login on a second run, keeps config.json\'s other keys, and untrust-node restores it byte for byte', async () => {
    const gens = await readdir(join(dir, '.gen'));
    const r = await cli(['trust-node', '--dir', dir, '--login-generate', at(2)]);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stderr).not.toContain('created the node user');
    expect(await readFile(join(dir, 'node-login/login.json'), 'utf8')).toBe(kept);
    expect(await readdir(join(dir, '.gen'))).toEqual(gens);
    const cj = JSON.parse((await fileOf(n(2), CJ))!.text);
    expect(cj).toMatchObject({ credsStore: 'desktop', credHelpers: { 'gcr.io': 'gcloud' }, auths: { 'other.example:443': { auth: 'b3RoZXI6cHc=' } } });
    expect(cj.auths[addr]).toEqual({ auth: Buffer.from(`nodes:${JSON.parse(kept).password}`).toString('base64') });
    expect((await fileOf(n(2), CJ))!.mode).toBe('600');
    // A credsStore with no helper installed: docker still uses the inline entry.
    expect(await pull(n(2))).toMatchObject({ code: 0 });
    const u = await cli(['untrust-node', '--dir', dir, at(2)]);
    expect(u, u.stderr).toMatchObject({ code: 0 });
    expect(await fileOf(n(2), CJ)).toEqual({ mode: '600', text: THEIRS });
    expect((await n(2).exec('ls -A /root/.docker /var/lib/registry-setup')).stdout).toBe('/root/.docker:\nconfig.json\n\n/var/lib/registry-setup:');
  });

  it('fails the host whose config.json is broken, leaves it as it was, and the others proceed', async () => {
    const r = await cli(['trust-node', '--dir', dir, '--login-generate', at(3), at(4)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`${at(3).replace(/\./g, '\\.')} +failed +${CJ} was left as it was: expected a quoted key in auths`));
    expect(r.stderr).toContain(`1 of 2 hosts failed: ${at(3)}`);
    expect(await fileOf(n(3), CJ)).toEqual({ mode: '600', text: '{"auths": {' });
    expect(await pull(n(4))).toMatchObject({ code: 0 });
  });

  it('gives a k3s node a registries.yaml that parses, with auth and the CA, says to restart k3s, and takes it back', async () => {
    const r = await cli(['trust-node', '--dir', dir, '--login-generate', at(5)]);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stderr).toMatch(/k3s\/RKE2 read registries.yaml only when they start/);
    const file = await fileOf(n(5), '/etc/rancher/k3s/registries.yaml');
    expect(file?.mode).toBe('600');
    const ca = `/etc/rancher/k3s/registry-setup/${addr}/ca.crt`;
    expect(parseYaml(file!.text)).toEqual({ configs: { [addr]: { auth: { username: 'nodes', password: JSON.parse(kept).password }, tls: { ca_file: ca } } } });
    expect(await n(5).readFile(ca)).toBe(await readFile(join(dir, 'ca/ca.crt'), 'utf8'));
    const u = await cli(['untrust-node', '--dir', dir, at(5)]);
    expect(u, u.stderr).toMatchObject({ code: 0 });
    expect((await n(5).exec('ls -A /etc/rancher/k3s')).stdout).toBe('');
    expect(await fileOf(n(5), CJ)).toEqual({ mode: '600', text: THEIRS });
  });

  it('--login USER --password-stdin gives the node that user\'s login, checked against htpasswd first', async () => {
    const wrong = await cli(['trust-node', '--dir', dir, '--login', 'admin', '--password-stdin', at(6)], 'not-it');
    expect(wrong).toMatchObject({ code: 1, stderr: expect.stringContaining('--login admin: the password does not match') });
    expect(await fileOf(n(6), CJ)).toBeNull();
    const r = await cli(['trust-node', '--dir', dir, '--login', 'admin', '--password-stdin', at(6)], `${admin}\n`);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout + r.stderr).not.toContain(admin);
    expect(JSON.parse((await fileOf(n(6), CJ))!.text).auths[addr]).toEqual({ auth: Buffer.from(`admin:${admin}`).toString('base64') });
    expect(await pull(n(6))).toMatchObject({ code: 0 });
  });

  it("k8s-secret's .dockerconfigjson, as skopeo's DOCKER_CONFIG, pulls from the registry", async () => {
    const r = await cli(['k8s-secret', '--dir', dir, '--generate', '--namespace', 'apps']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const secret = parseYaml(r.stdout);
    expect(secret).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/dockerconfigjson', metadata: { name: 'registry-setup-pull', namespace: 'apps' } });
    const config = join(work, 'k8s-docker-config');
    await mkdir(config);
    await writeFile(join(config, 'config.json'), Buffer.from(secret.data['.dockerconfigjson'], 'base64'), { mode: 0o600 });
    const json = await cli(['k8s-secret', '--dir', dir, '--generate', '--json']);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(await readFile(join(config, 'config.json'), 'utf8')));
    const certDir = join(work, 'certs');
    // Nothing else skopeo might read credentials from: no auth.json, no home.
    for (const d of ['no-runtime', 'no-home', 'empty']) await mkdir(join(work, d), { mode: 0o700 });
    const pulled = await execa('skopeo', ['inspect', '--cert-dir', certDir, `docker://${addr}/${IMAGE}`], { reject: false, env: { DOCKER_CONFIG: config, REGISTRY_AUTH_FILE: '', XDG_RUNTIME_DIR: join(work, 'no-runtime'), HOME: join(work, 'no-home') } });
    expect(pulled.stderr).toBe('');
    expect(JSON.parse(pulled.stdout).Name).toBe(`${addr}/demo/hello`);
    // And with no config, the same inspect is refused: the Secret is what let it in.
    const bare = await execa('skopeo', ['inspect', '--cert-dir', certDir, `docker://${addr}/${IMAGE}`], { reject: false, env: { DOCKER_CONFIG: join(work, 'empty'), XDG_RUNTIME_DIR: join(work, 'no-runtime'), HOME: join(work, 'no-home') } });
    expect(bare.exitCode).not.toBe(0);
    expect(bare.stderr).toMatch(/unauthorized|authentication required/i);
  });

  it('under token auth, --login-generate gives the node a pull-only login: it pulls with no docker login, and its push is denied', async () => {
    const tdir = join(work, 'token');
    const [port, authPort] = [await freePort(), await freePort()];
    const init = await execa('node', ['dist/cli.js', 'init', '--dir', tdir, '--yes', '--host', lan.adminIp, '--port', String(port), '--auth', 'token', '--auth-port', String(authPort), '--json'], { cwd: REPO });
    const taddr = `${lan.adminIp}:${port}`;
    const stack = await startStack(tdir); // the registry and docker_auth, its realm on --auth-port
    try {
      const certDir = join(work, 'token-certs');
      await mkdir(certDir);
      await copyFile(join(tdir, 'ca/ca.crt'), join(certDir, 'ca.crt'));
      const layout = join(work, 'oci');
      const pushed = await pushLayout(layout, 'v1', `${taddr}/${IMAGE}`, { certDir, creds: { username: 'admin', password: JSON.parse(init.stdout).users[0].password } });
      expect(pushed, pushed.stderr).toMatchObject({ exitCode: 0 });
      const r = await cli(['trust-node', '--dir', tdir, '--login-generate', at(8)]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain('warning');
      const node = n(8);
      const pull = await node.exec(`env -u DOCKER_CONFIG HOME=/root docker pull ${taddr}/${IMAGE}`);
      expect(pull.exitCode, pull.stderr).toBe(0);
      const push = await node.exec(`docker tag ${taddr}/${IMAGE} ${taddr}/demo/from-node:v1 && env -u DOCKER_CONFIG HOME=/root docker push ${taddr}/demo/from-node:v1`);
      expect(push.exitCode).not.toBe(0);
      expect(`${push.stdout}\n${push.stderr}`).toMatch(/denied: requested access to the resource is denied/);
    } finally {
      await stack.stop();
    }
  });

  it('refuses bad flag combinations with one line naming the flag', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['trust-node', '--dir', dir, '--login', 'admin', '--login-generate', at(7)], /--login and --login-generate exclude each other/],
      [['trust-node', '--dir', dir, '--password-stdin', at(7)], /--password-stdin reads the password of --login USER/],
      [['trust-node', '--dir', dir, '--login', 'bad name', '--password-stdin', at(7)], /--login/],
      [['trust-node', '--dir', dir, '--login-generate', '--check', at(7)], /--check changes nothing, so it takes no --login/],
      [['trust-node', '--dir', dir, '--login-generate', '--mode', 'insecure', at(7)], /--login-generate: an insecure registry has no users/],
      [['trust-node', '--dir', dir, '--login', 'admin', at(7)], /missing --password-stdin/],
      [['k8s-secret', '--dir', dir, '--user', 'admin', '--generate'], /--user and --generate exclude each other/],
      [['k8s-secret', '--dir', dir, '--generate', '--namespace', 'Apps'], /--namespace "Apps" is not a Kubernetes name/],
      [['k8s-secret', '--dir', dir, '--generate', '--name', 'a_b'], /--name "a_b" is not a Kubernetes name/],
    ];
    for (const [args, error] of cases) {
      const r = await cli(args);
      expect([args.join(' '), r.code, r.stderr.trim().split('\n').length]).toEqual([args.join(' '), 2, 1]);
      expect(r.stderr).toMatch(error);
    }
    expect(await fileOf(n(7), CJ)).toBeNull();
  });
});
