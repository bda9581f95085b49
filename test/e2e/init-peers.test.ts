import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { startStack, type Stack } from './support/compose-stack.js';
import { freePort } from './support/net.js';
import { buildOciLayout, type OciImage } from './support/oci-image.js';
import { inspectDigest, pullToLayout, pushLayout } from './support/skopeo.js';
import { canRunPeers } from './support/require-peers.js';

/**
 * Issue 2, proof 1 and 2: what init writes is accepted by the programs that
 * consume it in production: openssl and htpasswd check the files, the real
 * registry (and nginx in proxy mode) serve them, skopeo pushes and pulls.
 */
const PEERS = ['docker-registry', 'skopeo', 'nginx', 'openssl', 'htpasswd', 'unshare', 'setpriv', 'xz'];
const PASSWORD = 'a fine password: with "quotes" & $signs';
const root = mkdtempSync(join(tmpdir(), 'rs-init-peers-'));
let image: OciImage;
const layout = join(root, 'layout');

/** A cert dir holding only the bundle's ca.crt: the one thing a client is given. */
function trustDir(bundle: string): string {
  const dir = mkdtempSync(join(root, 'trust-'));
  copyFileSync(join(bundle, 'ca/ca.crt'), join(dir, 'ca.crt'));
  return dir;
}

function get(url: string, ca: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    }).on('error', reject).end();
  });
}

describe.skipIf(!canRunPeers(PEERS))('init bundles against the real registry, nginx and skopeo', () => {
  beforeAll(async () => {
    image = await buildOciLayout(layout, 'v1', 'hello from registry-setup');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // ECDSA (the default) against the registry the bundle pins (3.1.1); RSA against Debian's 2.8.2,
  // so both key types and both registry majors serve every mode.
  describe.each([
    ['tls', 'ecdsa', 3], ['proxy', 'ecdsa', 3], ['tls', 'rsa', 2], ['proxy', 'rsa', 2],
  ] as const)('%s mode, %s keys, registry %i', (mode, keyType, registryMajor) => {
    let bundle: string;
    let stack: Stack;
    let port: number;

    beforeAll(async () => {
      port = await freePort();
      bundle = join(root, `${mode}-${keyType}`);
      const rsa = keyType === 'rsa' ? ['--key-type', 'rsa', '--ca-key-size', '2048'] : [];
      const r = await runCli(['init', '--dir', bundle, '--mode', mode, '--host', '127.0.0.1', '--host', 'localhost', '--port', String(port),
        '--user', 'alice', '--password-stdin', ...rsa], { input: `${PASSWORD}\n` });
      expect(r.stderr).toBe('• generating keys and certificates…');
      expect(r.exitCode).toBe(0);
      stack = await startStack(bundle, { registryMajor });
    });

    it(`issues ${keyType} keys for the CA and the server`, async () => {
      for (const cert of ['ca/ca.crt', 'certs/registry.crt']) {
        const text = (await execa('openssl', ['x509', '-in', join(bundle, cert), '-noout', '-text'])).stdout;
        expect(text).toMatch(keyType === 'rsa' ? /Public Key Algorithm: rsaEncryption/ : /Public Key Algorithm: id-ecPublicKey[^]*NIST CURVE: P-256/);
      }
    });
    afterAll(() => stack?.stop());

    it('openssl verifies the chain and every --host; htpasswd verifies the user', async () => {
      const cert = join(bundle, 'certs/registry.crt');
      await execa('openssl', ['verify', '-x509_strict', '-CAfile', join(bundle, 'ca/ca.crt'), cert]);
      const ip = await execa('openssl', ['x509', '-in', cert, '-noout', '-checkip', '127.0.0.1']);
      expect(ip.stdout).toContain('does match certificate');
      const host = await execa('openssl', ['x509', '-in', cert, '-noout', '-checkhost', 'localhost']);
      expect(host.stdout).toContain('does match certificate');
      const other = await execa('openssl', ['x509', '-in', cert, '-noout', '-checkhost', 'elsewhere.lan']);
      expect(other.stdout).toContain('does NOT match');
      await execa('htpasswd', ['-vb', join(bundle, 'auth/htpasswd'), 'alice', PASSWORD]);
      await expect(execa('htpasswd', ['-vb', join(bundle, 'auth/htpasswd'), 'alice', 'wrong'])).rejects.toThrow();
    });

    it('skopeo pushes with only ca.crt as trust, and pulls the image back unchanged', async () => {
      const opts = { certDir: trustDir(bundle), creds: { username: 'alice', password: PASSWORD } };
      for (const host of ['127.0.0.1', 'localhost']) {
        const ref = `docker://${host}:${port}/demo/app:v1`;
        const push = await pushLayout(layout, 'v1', ref, opts);
        expect(push.stderr).toBe('');
        expect(push.exitCode).toBe(0);
        expect((await inspectDigest(ref, opts)).digest).toBe(image.manifestDigest);
        const back = join(root, `pulled-${mode}-${keyType}-${host}`);
        expect((await pullToLayout(ref, back, 'v1', opts)).exitCode).toBe(0);
        const index = JSON.parse(readFileSync(join(back, 'index.json'), 'utf8'));
        expect(index.manifests[0].digest).toBe(image.manifestDigest);
      }
    });

    it('refuses a wrong password', async () => {
      const r = await pushLayout(layout, 'v1', `docker://127.0.0.1:${port}/demo/app:v1`, { certDir: trustDir(bundle), creds: { username: 'alice', password: 'nope' } });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/unauthorized|401/);
    });

    it('fails with an x509 error without the CA', async () => {
      const r = await pushLayout(layout, 'v1', `docker://127.0.0.1:${port}/demo/app:v1`, { certDir: mkdtempSync(join(root, 'empty-')), creds: { username: 'alice', password: PASSWORD } });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/x509: certificate signed by unknown authority/);
    });

    it('answers /v2/ with 401 and the registry API header, TLS 1.2 or later only', async () => {
      const ca = readFileSync(join(bundle, 'ca/ca.crt'), 'utf8');
      const res = await get(`https://localhost:${port}/v2/`, ca);
      expect(res.status).toBe(401);
      expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
      const old = await execa('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_1', '-CAfile', join(bundle, 'ca/ca.crt')], { input: '', reject: false });
      expect(old.exitCode).not.toBe(0);
    });
  });

  describe('insecure mode', () => {
    let stack: Stack;
    let port: number;
    beforeAll(async () => {
      port = await freePort();
      const bundle = join(root, 'insecure');
      const r = await runCli(['init', '--dir', bundle, '--mode', 'insecure', '--host', '127.0.0.1', '--port', String(port)]);
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toMatch(/^warning: insecure mode serves plain HTTP.*insecure-registries/);
      stack = await startStack(bundle);
    });
    afterAll(() => stack?.stop());

    it('serves plain HTTP with no auth: a push and pull work without credentials', async () => {
      const ref = `docker://127.0.0.1:${port}/demo/app:v1`;
      const opts = { tlsVerify: false };
      expect((await pushLayout(layout, 'v1', ref, opts)).exitCode).toBe(0);
      expect((await inspectDigest(ref, opts)).digest).toBe(image.manifestDigest);
      mkdirSync(join(root, 'p'), { recursive: true });
      expect((await pullToLayout(ref, join(root, 'p/insecure'), 'v1', opts)).exitCode).toBe(0);
    });
  });
});
