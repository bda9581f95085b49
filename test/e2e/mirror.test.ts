import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, treeHash } from './support/cli.js';
import { startService, type ServiceHandle } from './support/compose-stack.js';
import { freePort } from './support/net.js';
import { buildOciLayout, type OciImage } from './support/oci-image.js';
import { canRunPeers } from './support/require-peers.js';
import { inspectDigest, pullToLayout, pushLayout } from './support/skopeo.js';

/**
 * Issue 11, pull-through caches in the bundle. An "upstream" is a real registry 3.1.1
 * serving a bundle of its own, so it has its own CA; the mirrors are the generated
 * services (the bundle's compose file, config.yml and env file) run by registry 3.1.1,
 * trusting the upstreams' CAs through SSL_CERT_FILE (FACTS.md), as a test's override
 * compose file would set it. skopeo pulls through them with only the bundle's ca.crt.
 */
const PEERS = ['skopeo', 'unshare', 'setpriv', 'xz', 'openssl'];
const root = mkdtempSync(join(tmpdir(), 'rs-mirror-'));
const UP_USER = 'upstream-bot';
const UP_PASSWORD = 'upstream-Pr1vate_token-9f3a';
const running: ServiceHandle[] = [];
let bundle: string;
let certDir: string;
let caFile: string;
let ports: { open: number; private: number; docker: number; ghcr: number; priv: number };
let images: Record<string, OciImage>;

/** A bundle of its own (own CA), its registry serving; `open` strips the htpasswd section so anyone may pull. */
async function startUpstream(name: string, port: number, open: boolean): Promise<{ dir: string; certDir: string }> {
  const dir = join(root, name);
  const init = await runCli(['init', '--dir', dir, '--host', '127.0.0.1', '--port', String(port), '--user', UP_USER, '--password-stdin'], { input: UP_PASSWORD });
  if (init.exitCode !== 0) throw new Error(`upstream init: ${init.stderr}`);
  if (open) {
    const config = realpathSync(join(dir, 'config.yml'));
    writeFileSync(config, readFileSync(config, 'utf8').replace(/^# The registry re-reads.*\nauth:\n(?: {2}.*\n)+/m, ''));
    expect(readFileSync(config, 'utf8')).not.toContain('htpasswd');
  }
  running.push(await startService(dir, 'registry', { registryMajor: 3 }));
  const trust = join(root, `${name}-trust`);
  mkdirSync(trust);
  copyFileSync(join(dir, 'ca/ca.crt'), join(trust, 'ca.crt'));
  return { dir, certDir: trust };
}

const cli = (args: string[], input?: string) => runCli([...args, '--dir', bundle], { ...(input !== undefined && { input }) });
const startMirror = async (service: string) => {
  const svc = await startService(bundle, service, { registryMajor: 3, extraEnv: { SSL_CERT_FILE: caFile } });
  running.push(svc);
  return svc;
};
const blobFile = (slug: string, digest: string) => join(bundle, 'mirror-data', slug, 'docker/registry/v2/blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data');

beforeAll(async () => {
  if (!canRunPeers(PEERS)) return;
  ports = { open: await freePort(), private: await freePort(), docker: await freePort(), ghcr: 0, priv: await freePort() };
  const open = await startUpstream('up-open', ports.open, true);
  const priv = await startUpstream('up-private', ports.private, false);
  // One file for SSL_CERT_FILE: both upstreams' CAs, and nothing else.
  caFile = join(root, 'upstream-cas.pem');
  writeFileSync(caFile, readFileSync(join(open.dir, 'ca/ca.crt'), 'utf8') + readFileSync(join(priv.dir, 'ca/ca.crt'), 'utf8'));

  const layout = join(root, 'layout');
  images = {
    busybox: await buildOciLayout(layout, 'busybox', 'pretend busybox\n'),
    tool: await buildOciLayout(layout, 'tool', 'a ghcr.io-style tool\n'),
    app: await buildOciLayout(layout, 'app', 'a private app\n'),
  };
  for (const [tag, ref, side, creds] of [
    ['busybox', 'library/busybox:latest', open, true], ['tool', 'someorg/tool:v1', open, true], ['app', 'private/app:v1', priv, true],
  ] as const) {
    const r = await pushLayout(layout, tag, `127.0.0.1:${side === open ? ports.open : ports.private}/${ref}`, { certDir: side.certDir, ...(creds && { creds: { username: UP_USER, password: UP_PASSWORD } }) });
    if (r.exitCode !== 0) throw new Error(`push ${ref}: ${r.stderr}`);
  }

  bundle = join(root, 'bundle');
  const init = await runCli(['init', '--dir', bundle, '--yes', '--host', '127.0.0.1', '--port', String(await freePort()),
    '--mirror', `docker.io=https://127.0.0.1:${ports.open}`, '--mirror', `ghcr.io=https://127.0.0.1:${ports.open}`, '--mirror-port', String(ports.docker), '--json']);
  if (init.exitCode !== 0) throw new Error(`init: ${init.stderr}`);
  ports.ghcr = (JSON.parse(init.stdout) as { mirrors: { upstream: string; port: number }[] }).mirrors[1]!.port;
  certDir = join(root, 'bundle-trust');
  mkdirSync(certDir);
  copyFileSync(join(bundle, 'ca/ca.crt'), join(certDir, 'ca.crt'));
}, 120_000);

afterAll(async () => {
  for (const s of running.reverse()) await s.stop();
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!canRunPeers(PEERS))('pull-through caches, registry 3.1.1 mirrors of registry 3.1.1 upstreams', () => {
  it('a pull through the docker.io mirror fetches from the upstream, and the mirror\'s own storage then holds the blobs', async () => {
    const mirror = await startMirror('mirror-docker-io');
    expect(existsSync(blobFile('docker-io', images.busybox!.layerDigest))).toBe(false);
    const r = await pullToLayout(`127.0.0.1:${ports.docker}/library/busybox:latest`, join(root, 'pulled'), 'busybox', { certDir });
    expect(r.exitCode, r.stderr).toBe(0);
    const d = await inspectDigest(`127.0.0.1:${ports.docker}/library/busybox:latest`, { certDir });
    expect(d.digest).toBe(images.busybox!.manifestDigest);
    expect(statSync(blobFile('docker-io', images.busybox!.layerDigest)).isFile()).toBe(true);
    // The cache is the mirror's own: the registry's data/ holds nothing of it.
    expect(readdirSync(join(bundle, 'data'))).toEqual([]);
    expect(mirror.logs()).not.toMatch(/x509|certificate signed by unknown authority/);
  });

  it('the ghcr.io mirror, on the next port, serves a ghcr.io-style repository from its own storage', async () => {
    await startMirror('mirror-ghcr-io');
    const r = await pullToLayout(`127.0.0.1:${ports.ghcr}/someorg/tool:v1`, join(root, 'pulled'), 'tool', { certDir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(blobFile('ghcr-io', images.tool!.layerDigest))).toBe(true);
    expect(existsSync(blobFile('docker-io', images.tool!.layerDigest))).toBe(false);
  });

  it('status lists the mirrors, and --probe probes each mirror (the bundle\'s CA) and its upstream (this host\'s trust)', async () => {
    type Report = { mirrors: { upstream: string; address: string; mirror?: { reachable: boolean; status?: number; tlsVerified?: boolean }; upstreamProbe?: { reachable: boolean; status?: number; error?: string } }[]; problems: string[] };
    const plain = await runCli(['status', '--dir', bundle, '--json']);
    expect((JSON.parse(plain.stdout) as Report).mirrors.map((m) => [m.upstream, m.address])).toEqual([['docker.io', `127.0.0.1:${ports.docker}`], ['ghcr.io', `127.0.0.1:${ports.ghcr}`]]);
    // This host trusts the test upstreams' CA as the mirrors do (Node reads NODE_EXTRA_CA_CERTS).
    const probed = JSON.parse((await runCli(['status', '--dir', bundle, '--probe', '--json'], { env: { NODE_EXTRA_CA_CERTS: caFile } })).stdout) as Report;
    for (const m of probed.mirrors) {
      expect(m.mirror).toMatchObject({ reachable: true, status: 200, tlsVerified: true });
      expect(m.upstreamProbe).toEqual({ reachable: true, status: 200 });
    }
    expect(probed.problems.filter((p) => / mirror( at|'s upstream)/.test(p))).toEqual([]);
    // Without that trust the upstream fails verification, and status says so for each mirror.
    const untrusted = JSON.parse((await runCli(['status', '--dir', bundle, '--probe', '--json'])).stdout) as Report;
    expect(untrusted.mirrors.map((m) => m.upstreamProbe?.reachable)).toEqual([false, false]);
    expect(untrusted.problems.filter((p) => /mirror's upstream .* cannot be reached/.test(p))).toHaveLength(2);
  });

  it('a push to a mirror gets a clear refusal', async () => {
    const r = await pushLayout(join(root, 'layout'), 'app', `127.0.0.1:${ports.docker}/library/mine:v1`, { certDir });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/unsupported/i);
  });

  it('an upstream login from --credentials-stdin works, and is in no file but the 0600 env file', async () => {
    const add = await cli(['mirror', 'add', `private=https://127.0.0.1:${ports.private}`, '--port', String(ports.priv), '--credentials-stdin'], `${UP_USER}\n${UP_PASSWORD}\n`);
    expect(add.exitCode, add.stderr).toBe(0);
    expect(add.stderr).toMatch(/anyone who can pull from the private mirror can read/);
    expect(add.stdout + add.stderr).not.toContain(UP_PASSWORD);
    await startMirror('mirror-private');
    const r = await pullToLayout(`127.0.0.1:${ports.priv}/private/app:v1`, join(root, 'pulled'), 'app', { certDir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(blobFile('private', images.app!.layerDigest))).toBe(true);
    // Every file of the bundle, generations and stores included (not the cache, which holds image blobs).
    const holders = execFileSync('grep', ['-rlF', '--exclude-dir=mirror-data', '--exclude-dir=data', UP_PASSWORD, bundle], { encoding: 'utf8' }).trim().split('\n');
    expect(holders.map((f) => realpathSync(f))).toEqual([realpathSync(join(bundle, 'env/mirror-private.env'))]);
    expect(statSync(join(bundle, 'env/mirror-private.env')).mode & 0o777).toBe(0o600);
    expect(statSync(join(bundle, '.env')).mode & 0o777).toBe(0o700);
  });

  it('--mirror-auth: the mirror asks for the bundle\'s login (htpasswd), and serves with it', async () => {
    const authed = join(root, 'authed');
    const port = await freePort();
    const init = await runCli(['init', '--dir', authed, '--host', '127.0.0.1', '--port', String(await freePort()), '--user', 'alice', '--password-stdin',
      '--mirror', `docker.io=https://127.0.0.1:${ports.open}`, '--mirror-port', String(port), '--mirror-auth'], { input: 'alice-pw\n' });
    expect(init.exitCode, init.stderr).toBe(0);
    running.push(await startService(authed, 'mirror-docker-io', { registryMajor: 3, extraEnv: { SSL_CERT_FILE: caFile } }));
    const trust = mkdtempSync(join(root, 'authed-trust-'));
    copyFileSync(join(authed, 'ca/ca.crt'), join(trust, 'ca.crt'));
    const ref = `127.0.0.1:${port}/library/busybox:latest`;
    expect((await inspectDigest(ref, { certDir: trust })).stderr).toMatch(/unauthorized|401|authentication required/i);
    expect((await inspectDigest(ref, { certDir: trust, creds: { username: 'alice', password: 'wrong' } })).stderr).toMatch(/unauthorized|401|authentication required/i);
    expect((await inspectDigest(ref, { certDir: trust, creds: { username: 'alice', password: 'alice-pw' } })).digest).toBe(images.busybox!.manifestDigest);
  });

  it('--mirror-auth with token auth: the mirror takes docker_auth\'s tokens, as the registry does', async () => {
    const tokened = join(root, 'tokened');
    const port = await freePort();
    const init = await runCli(['init', '--dir', tokened, '--host', '127.0.0.1', '--port', String(await freePort()), '--auth', 'token', '--auth-port', String(await freePort()),
      '--user', 'alice', '--password-stdin', '--mirror', `docker.io=https://127.0.0.1:${ports.open}`, '--mirror-port', String(port), '--mirror-auth'], { input: 'alice-pw\n' });
    expect(init.exitCode, init.stderr).toBe(0);
    running.push(await startService(tokened, 'auth'));
    running.push(await startService(tokened, 'mirror-docker-io', { registryMajor: 3, extraEnv: { SSL_CERT_FILE: caFile } }));
    const trust = mkdtempSync(join(root, 'tokened-trust-'));
    copyFileSync(join(tokened, 'ca/ca.crt'), join(trust, 'ca.crt'));
    const ref = `127.0.0.1:${port}/library/busybox:latest`;
    expect((await inspectDigest(ref, { certDir: trust })).stderr).toMatch(/unauthorized|401|authentication required/i);
    expect((await inspectDigest(ref, { certDir: trust, creds: { username: 'alice', password: 'wrong' } })).exitCode).not.toBe(0);
    expect((await inspectDigest(ref, { certDir: trust, creds: { username: 'alice', password: 'alice-pw' } })).digest).toBe(images.busybox!.manifestDigest);
  });

  it('insecure mode: the registry speaks plain HTTP, and its mirrors still serve TLS with the bundle\'s certificate', async () => {
    const plain = join(root, 'insecure');
    const port = await freePort();
    const init = await runCli(['init', '--dir', plain, '--mode', 'insecure', '--yes', '--host', '127.0.0.1', '--port', String(await freePort()),
      '--mirror', `docker.io=https://127.0.0.1:${ports.open}`, '--mirror-port', String(port)]);
    expect(init.exitCode, init.stderr).toBe(0);
    running.push(await startService(plain, 'mirror-docker-io', { registryMajor: 3, extraEnv: { SSL_CERT_FILE: caFile } }));
    const trust = mkdtempSync(join(root, 'insecure-trust-'));
    copyFileSync(join(plain, 'ca/ca.crt'), join(trust, 'ca.crt'));
    expect((await inspectDigest(`127.0.0.1:${port}/library/busybox:latest`, { certDir: trust })).digest).toBe(images.busybox!.manifestDigest);
  });

  it('mirror ls lists every mirror; mirror rm takes one out of the record, the compose file and the generation, and keeps its cache', async () => {
    const ls = await cli(['mirror', 'ls', '--json']);
    expect((JSON.parse(ls.stdout) as { mirrors: { upstream: string }[] }).mirrors.map((m) => m.upstream)).toEqual(['docker.io', 'ghcr.io', 'private']);
    const rm = await cli(['mirror', 'rm', 'ghcr.io']);
    expect(rm.exitCode, rm.stderr).toBe(0);
    expect(rm.stdout).toContain('docker compose up -d --remove-orphans');
    const compose = readFileSync(join(bundle, 'docker-compose.yml'), 'utf8');
    expect(compose).not.toContain('mirror-ghcr-io');
    expect(compose).toContain('mirror-docker-io');
    expect(existsSync(join(bundle, 'mirrors/ghcr-io'))).toBe(false);
    expect(existsSync(join(bundle, 'mirror-data/ghcr-io'))).toBe(true);
    // The others still serve, on the config now current.
    const r = await inspectDigest(`127.0.0.1:${ports.docker}/library/busybox:latest`, { certDir });
    expect(r.digest).toBe(images.busybox!.manifestDigest);
  });
});

describe.skipIf(!canRunPeers(PEERS))('bad input: one line naming the flag, exit 2, nothing written', () => {
  // A running proxy writes its scheduler state into mirror-data/ now and then: stopped, "nothing changed" is exact.
  beforeAll(async () => {
    for (const s of running.splice(0).reverse()) await s.stop();
  });
  const cases: [string, string[], RegExp][] = [
    ['an unknown upstream', ['mirror', 'add', 'dockerhub'], /: mirror add "dockerhub" is not a known upstream/],
    ['a URL that is not one', ['mirror', 'add', 'corp=not a url'], /is not a URL/],
    ['a URL with a path', ['mirror', 'add', 'corp=https://corp.example/v2'], /no path/],
    ['credentials in the URL', ['mirror', 'add', 'corp=https://u:p@corp.example'], /--mirror-credentials-stdin|credentials-stdin/],
    ['a duplicate', ['mirror', 'add', 'docker.io'], /mirrors it already/],
    ['the registry\'s port', ['mirror', 'add', 'quay.io', '--port', 'REGISTRY'], /--port \d+ is the registry's port/],
    ['another mirror\'s port', ['mirror', 'add', 'quay.io', '--port', 'DOCKER'], /--port \d+ is the docker.io mirror's port/],
    ['a port out of range', ['mirror', 'add', 'quay.io', '--port', '70000'], /--port/],
    ['rm of no such mirror', ['mirror', 'rm', 'quay.io'], /has no such mirror/],
    ['rm by URL', ['mirror', 'rm', 'corp=https://x.example'], /name the upstream only/],
    ['credentials of one line', ['mirror', 'add', 'quay.io', '--credentials-stdin'], /exactly two lines/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const state = readFileSync(join(bundle, 'registry-setup.yml'), 'utf8');
    const registryPort = /^port: (\d+)$/m.exec(state)![1]!;
    const argv = args.map((a) => (a === 'REGISTRY' ? registryPort : a === 'DOCKER' ? String(ports.docker) : a));
    const before = treeHash(bundle);
    const r = await cli(argv, args.includes('--credentials-stdin') ? 'only-a-user\n' : undefined);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(treeHash(bundle)).toBe(before);
  });

  it('a hand-edited docker-compose.yml is not replaced without --force (exit 1, nothing written)', async () => {
    const compose = realpathSync(join(bundle, 'docker-compose.yml'));
    writeFileSync(compose, `${readFileSync(compose, 'utf8')}# my own edit\n`);
    const before = treeHash(bundle);
    const r = await cli(['mirror', 'add', 'quay.io']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/docker-compose.yml was edited by hand since registry-setup wrote it.*--force/);
    expect(treeHash(bundle)).toBe(before);
    const forced = await cli(['mirror', 'add', 'quay.io', '--force']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(readFileSync(join(bundle, 'docker-compose.yml'), 'utf8')).not.toContain('# my own edit');
  });

  it.each([
    ['an unknown upstream', ['--mirror', 'hub'], /--mirror "hub" is not a known upstream/],
    ['a port clash with the registry', ['--mirror', 'docker.io', '--port', '5010', '--mirror-port', '5010'], /--mirror-port 5010 is the registry's port/],
    ['the same upstream twice', ['--mirror', 'docker.io', '--mirror', 'docker.io'], /mirrors it already/],
    ['--mirror-port with no mirror', ['--mirror-port', '6000'], /--mirror-port is for pull-through caches/],
    ['credentials for two mirrors', ['--mirror', 'docker.io', '--mirror', 'ghcr.io', '--mirror-credentials-stdin'], /exactly one --mirror/],
    ['two secrets on stdin', ['--mirror', 'docker.io', '--mirror-credentials-stdin', '--user', 'a', '--password-stdin'], /both read stdin/],
    ['--mirror-auth in insecure mode', ['--mode', 'insecure', '--mirror', 'docker.io', '--mirror-auth'], /--mirror-auth cannot be used with --mode insecure/],
  ])('init: %s', async (_name, args, message) => {
    const dir = join(root, `bad-init-${Math.random().toString(16).slice(2)}`);
    const r = await runCli(['init', '--dir', dir, '--yes', '--host', '127.0.0.1', ...args], { input: 'u\np\n' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(dir)).toBe(false);
  });
});
