import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCompose, registryConfigFile, registryConfigPath } from './support/compose-file.js';
import { type Stack, startStack } from './support/compose-stack.js';
import { isPortOpen } from './support/net.js';
import { type OciImage, buildOciLayout } from './support/oci-image.js';
import { type RegistryOpts, inspectDigest, pullToLayout, pushLayout } from './support/skopeo.js';
import { canRunPeers } from './support/require-peers.js';

/**
 * Proves the harness itself on bundles made BY HAND (openssl, htpasswd), so a
 * failure in the product's e2e tests can be blamed on the product, not on the
 * harness. Both layouts follow the bundle contract.
 */

const PEERS = ['docker-registry', 'skopeo', 'nginx', 'openssl', 'htpasswd', 'unshare', 'setpriv'];
const USER = 'harness';
const PASS = 'correct-horse-battery-staple';

async function sh(cmd: string, args: string[], cwd: string) {
  await execa(cmd, args, { cwd });
}

/** CA + leaf (SAN IP:127.0.0.1, DNS:localhost; EKU serverAuth), bcrypt htpasswd, data/ left absent. */
async function makePki(dir: string) {
  for (const d of ['ca', 'certs', 'auth']) await mkdir(path.join(dir, d), { recursive: true });
  await sh('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '30',
    '-keyout', 'ca/ca.key', '-out', 'ca/ca.crt', '-subj', '/CN=harness test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  await writeFile(path.join(dir, 'leaf.ext'), [
    'basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth', 'subjectAltName=IP:127.0.0.1,DNS:localhost', ''].join('\n'));
  await sh('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'certs/registry.key',
    '-out', 'leaf.csr', '-subj', '/CN=localhost'], dir);
  await sh('openssl', ['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca/ca.crt', '-CAkey', 'ca/ca.key',
    '-set_serial', '0x1a2b3c4d', '-days', '30', '-sha256', '-extfile', 'leaf.ext', '-out', 'certs/registry.crt'], dir);
  await rm(path.join(dir, 'leaf.csr'));
  await rm(path.join(dir, 'leaf.ext'));
  await chmod(path.join(dir, 'ca/ca.key'), 0o600);
  await chmod(path.join(dir, 'certs/registry.key'), 0o600);
  const { stdout } = await execa('htpasswd', ['-Bbn', '-C', '5', USER, PASS]);
  // 0644: in proxy mode nginx's *workers* (www-data, or nginx in the image) read it per request.
  await writeFile(path.join(dir, 'auth/htpasswd'), `${stdout.trim()}\n`, { mode: 0o644 });
}

function registryConfig(addr: string, tls: boolean): string {
  return `version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: true
http:
  addr: "${addr}"
  headers:
    X-Content-Type-Options: [nosniff]
${tls ? `  tls:
    certificate: /certs/registry.crt
    key: /certs/registry.key
auth:
  htpasswd:
    realm: harness
    path: /auth/htpasswd
` : ''}`;
}

async function makeTlsBundle(dir: string, port: number) {
  await makePki(dir);
  await writeFile(path.join(dir, 'config.yml'), registryConfig(`:${port}`, true));
  await writeFile(path.join(dir, 'docker-compose.yml'), `services:
  registry:
    image: registry:3.0.0
    restart: unless-stopped
    ports:
      - "${port}:${port}"
    volumes:
      - ./config.yml:/etc/distribution/config.yml:ro
      - ./data:/var/lib/registry
      - ./certs:/certs:ro
      - ./auth:/auth:ro
`);
}

/** nginx terminates TLS and does basic auth, following the distribution docs' recipe. */
async function makeProxyBundle(dir: string, port: number) {
  await makePki(dir);
  await writeFile(path.join(dir, 'config.yml'), registryConfig(':5000', false));
  await mkdir(path.join(dir, 'nginx'));
  await writeFile(path.join(dir, 'nginx/registry.conf'), `
map $upstream_http_docker_distribution_api_version $docker_distribution_api_version {
  '' 'registry/2.0';
}
server {
  listen ${port} ssl;
  ssl_certificate /etc/nginx/certs/registry.crt;
  ssl_certificate_key /etc/nginx/certs/registry.key;
  ssl_protocols TLSv1.2 TLSv1.3;
  client_max_body_size 0;
  chunked_transfer_encoding on;
  location /v2/ {
    auth_basic "Registry realm";
    auth_basic_user_file /etc/nginx/auth/htpasswd;
    add_header 'Docker-Distribution-Api-Version' $docker_distribution_api_version always;
    proxy_pass http://registry:5000;
    proxy_set_header Host $http_host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_read_timeout 900;
    proxy_request_buffering off;
    proxy_buffering off;
  }
}
`);
  await writeFile(path.join(dir, 'docker-compose.yml'), `services:
  registry:
    image: registry:3.0.0
    restart: unless-stopped
    volumes:
      - ./config.yml:/etc/distribution/config.yml:ro
      - ./data:/var/lib/registry
  nginx:
    image: nginx:1.27-alpine
    restart: unless-stopped
    depends_on: [registry]
    ports:
      - "${port}:${port}"
    volumes:
      - ./nginx:/etc/nginx/conf.d:ro
      - ./certs:/etc/nginx/certs:ro
      - ./auth:/etc/nginx/auth:ro
`);
}

const modes = [
  { mode: 'tls', port: 15443, make: makeTlsBundle },
  { mode: 'proxy', port: 18443, make: makeProxyBundle },
] as const;

describe.skipIf(!canRunPeers(PEERS))('e2e harness on hand-made bundles', () => {
  let work: string;
  let image: OciImage;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'harness-'));
    image = await buildOciLayout(path.join(work, 'layout'), 'v1');
    await mkdir(path.join(work, 'trust'));
    await mkdir(path.join(work, 'no-trust'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe.each(modes)('$mode mode', ({ mode, port, make }) => {
    let bundle: string;
    let stack: Stack;
    let trusted: RegistryOpts;
    const ref = `127.0.0.1:${port}/harness/hello:v1`;
    beforeAll(async () => {
      bundle = path.join(work, mode);
      await mkdir(bundle);
      await make(bundle, port);
      // Only ca.crt, exactly as a node's certs.d/HOST:PORT/ would hold it.
      const trust = path.join(work, 'trust', mode);
      await mkdir(trust);
      await writeFile(path.join(trust, 'ca.crt'), await readFile(path.join(bundle, 'ca/ca.crt')));
      trusted = { certDir: trust, creds: { username: USER, password: PASS } };
      stack = await startStack(bundle);
    });
    afterAll(async () => {
      await stack?.stop();
      // Torn down: every process gone, every port (published or internal) released.
      for (const svc of Object.values(stack?.services ?? {})) {
        expect(svc.pid()).toBeUndefined();
        for (const p of svc.ports) expect(await isPortOpen('127.0.0.1', p)).toBe(false);
      }
    });

    it('pushes with only ca.crt trusted, pulls back the same manifest digest', async () => {
      const push = await pushLayout(path.join(work, 'layout'), 'v1', ref, trusted);
      expect(push.exitCode, `${push.stderr}\n${stack.logs()}`).toBe(0);
      // docker creates a missing ./data; the registry wrote through the bind mount.
      expect(existsSync(path.join(bundle, 'data/docker/registry/v2/repositories/harness/hello'))).toBe(true);
      const pulled = path.join(work, `pulled-${mode}`);
      const pull = await pullToLayout(ref, pulled, 'v1', trusted);
      expect(pull.exitCode, pull.stderr).toBe(0);
      const index = JSON.parse(await readFile(path.join(pulled, 'index.json'), 'utf8'));
      expect(index.manifests[0].digest).toBe(image.manifestDigest);
      expect((await inspectDigest(ref, { ...trusted, credsVia: 'argv' })).digest).toBe(image.manifestDigest);
    });

    it('rejects a wrong password and a missing one', async () => {
      const bad = await pushLayout(path.join(work, 'layout'), 'v1', ref, {
        ...trusted, creds: { username: USER, password: 'wrong' },
      });
      expect(bad.exitCode).not.toBe(0);
      expect(bad.stderr).toMatch(/401|unauthorized/i);
      const anon = await inspectDigest(ref, { certDir: trusted.certDir });
      expect(anon.exitCode).not.toBe(0);
      expect(anon.stderr).toMatch(/401|unauthorized|authentication required/i);
    });

    it('fails with an x509 error when the CA is not trusted', async () => {
      const r = await pushLayout(path.join(work, 'layout'), 'v1', ref, {
        ...trusted, certDir: path.join(work, 'no-trust'),
      });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/x509/);
    });

    it('restarts the registry and keeps serving the stored image', async () => {
      await stack.restart('registry');
      expect((await inspectDigest(ref, trusted)).digest).toBe(image.manifestDigest);
    });
  });
});

describe('the harness reads the config where the image reads it', () => {
  it.each([['registry:2.8.3', '/etc/docker/registry/config.yml'], ['registry:3.0.0', '/etc/distribution/config.yml'], ['registry', '/etc/distribution/config.yml']])(
    '%s reads %s', (image, expected) => expect(registryConfigPath(image)).toBe(expected),
  );

  it('refuses a registry:3 service whose config is mounted only at the registry:2 path', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-path-'));
    await writeFile(path.join(dir, 'docker-compose.yml'), 'services:\n  registry:\n    image: registry:3.0.0\n    volumes:\n      - ./config.yml:/etc/docker/registry/config.yml:ro\n');
    const [spec] = readCompose(dir);
    expect(() => registryConfigFile(spec!)).toThrow(/reads \/etc\/distribution\/config.yml, and nothing is mounted there/);
    await rm(dir, { recursive: true, force: true });
  });

  it('follows `command: [serve, PATH]` through the mounts, and refuses a path nothing is mounted at', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-cmd-'));
    const compose = (cmdPath: string) =>
      `services:\n  registry:\n    image: registry:3.1.1\n    command: ["serve", "${cmdPath}"]\n    volumes:\n      - ./.gen:/etc/registry-setup:ro\n`;
    await writeFile(path.join(dir, 'docker-compose.yml'), compose('/etc/registry-setup/current/config.yml'));
    expect(registryConfigFile(readCompose(dir)[0]!)).toBe(path.join(dir, '.gen/current/config.yml'));
    await writeFile(path.join(dir, 'docker-compose.yml'), compose('/etc/distribution/config.yml'));
    expect(() => registryConfigFile(readCompose(dir)[0]!)).toThrow(/reads \/etc\/distribution\/config.yml, and nothing is mounted there/);
    await rm(dir, { recursive: true, force: true });
  });
});
