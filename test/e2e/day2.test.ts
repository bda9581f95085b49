import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, copyFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliJson, treeHash } from './support/cli.js';
import { type ServiceHandle, type Stack, startService, startStack } from './support/compose-stack.js';
import { buildOciLayout } from './support/oci-image.js';
import { servedFingerprint } from './support/net.js';
import { canRunPeers } from './support/require-peers.js';
import { pushLayout } from './support/skopeo.js';

/** Issue 4's proof 1-4: renew, status --probe and user edits against the real registry and nginx. */
const PEERS = ['docker-registry', 'skopeo', 'nginx', 'openssl', 'unshare', 'setpriv'];
type Status = { cert: { daysLeft: number; verdict: string; fingerprint256: string }; probe?: { served: string; tlsVerified: boolean; authRequired: boolean }; problems: string[] };

let work: string;
const layout = () => path.join(work, 'layout');

/** A bundle from the real CLI; returns its dir and the generated admin password. */
async function makeBundle(name: string, port: number, extra: string[] = [], input?: string) {
  const dir = path.join(work, name);
  const args = ['init', '--dir', dir, '--yes', '--host', '127.0.0.1', '--host', 'localhost', '--port', String(port), ...extra];
  const r = await runCliJson<{ users: { name: string; password?: string }[] }>(args, { input });
  expect(r.exitCode, r.stderr).toBe(0);
  return { dir, admin: r.json.users[0]!.password ?? '' };
}

/** Only ca.crt, as a node's certs.d/HOST:PORT/ holds it: a copy taken now stays the "old" trust. */
async function trustDir(bundle: string, name: string) {
  const dir = path.join(work, `trust-${name}`);
  await mkdir(dir);
  await copyFile(path.join(bundle, 'ca/ca.crt'), path.join(dir, 'ca.crt'));
  return dir;
}

const push = (port: number, certDir: string, username: string, password: string, tag = 'v1') =>
  pushLayout(layout(), 'v1', `127.0.0.1:${port}/day2/hello:${tag}`, { certDir, creds: { username, password } });


const fingerprint = async (file: string) => new X509Certificate(await readFile(file)).fingerprint256;

describe.skipIf(!canRunPeers(PEERS))('day 2 against real peers', () => {
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'day2-'));
    await buildOciLayout(layout(), 'v1');
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('(1) a 10-day certificate is reported expiring, renewed from the same CA, then left alone', async () => {
    const { dir } = await makeBundle('ten-days', 26501, ['--days', '10']);
    const status = await runCliJson<Status>(['status', '--dir', dir]);
    expect(status.exitCode).toBe(1);
    expect(typeof status.json.cert.daysLeft).toBe('number');
    expect(status.json.cert.daysLeft).toBeGreaterThanOrEqual(9);
    expect(status.json.cert.daysLeft).toBeLessThanOrEqual(10);
    expect(status.json.cert.verdict).toBe('expiring');

    const file = (rel: string) => path.join(dir, rel);
    const [caBefore, caKeyBefore, oldPem, oldKey] = await Promise.all(['ca/ca.crt', 'ca/ca.key', 'certs/registry.crt', 'certs/registry.key'].map((f) => readFile(file(f))));
    const old = new X509Certificate(oldPem!);
    const renewed = await runCliJson<{ renewed: boolean; previous: string }>(['renew', '--dir', dir, '--days', '90']);
    expect(renewed.exitCode, renewed.stderr).toBe(0);
    expect(renewed.json.renewed).toBe(true);

    expect(await readFile(file('ca/ca.crt'))).toEqual(caBefore);
    expect(await readFile(file('ca/ca.key'))).toEqual(caKeyBefore);
    const cert = new X509Certificate(await readFile(file('certs/registry.crt')));
    expect(cert.subjectAltName).toBe(old.subjectAltName);
    expect(cert.serialNumber).not.toBe(old.serialNumber);
    expect(cert.publicKey.equals(old.publicKey)).toBe(false);
    expect(await readFile(file('certs/registry.key'))).not.toEqual(oldKey);
    const days = (new Date(cert.validTo).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
    const verify = await execa('openssl', ['verify', '-CAfile', file('ca/ca.crt'), file('certs/registry.crt')], { reject: false });
    expect(verify.stdout).toBe(`${file('certs/registry.crt')}: OK`);
    const check = await execa('openssl', ['x509', '-noout', '-in', file('certs/registry.crt'), '-checkip', '127.0.0.1', '-checkhost', 'localhost']);
    expect(check.stdout).not.toMatch(/does NOT match/);
    // Same modes as init, and the old files kept byte for byte.
    expect(statSync(file('certs/registry.key')).mode & 0o777).toBe(0o600);
    expect(statSync(file('certs/registry.crt')).mode & 0o777).toBe(0o644);
    // The previous generation is the backup: the old pair, as it was, key still 0600.
    expect(renewed.json.previous).toMatch(/^\.gen\/g-\d{8}T\d{9}Z-[0-9a-f]+$/);
    expect(await readFile(file(`${renewed.json.previous}/certs/registry.crt`))).toEqual(oldPem);
    expect(await readFile(file(`${renewed.json.previous}/certs/registry.key`))).toEqual(oldKey);
    expect(statSync(file(`${renewed.json.previous}/certs/registry.key`)).mode & 0o777).toBe(0o600);

    const before = treeHash(dir);
    const again = await runCli(['renew', '--dir', dir]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/^Nothing to do: certs\/registry\.crt is valid until \d{4}-\d\d-\d\d; renewal is due on \d{4}-\d\d-\d\d \(window 30 days\)\.\n?$/);
    expect(treeHash(dir)).toBe(before);
    expect((await runCli(['status', '--dir', dir])).exitCode).toBe(0);
  });

  describe('tls mode, with the registry running', () => {
    const port = 26502;
    let bundle: { dir: string; admin: string };
    let registry: ServiceHandle;
    let oldTrust: string;
    const alicePw = 'alice-old-password';
    beforeAll(async () => {
      bundle = await makeBundle('tls', port, ['--days', '10', '--user', 'alice', '--password-stdin'], `${alicePw}\n`);
      oldTrust = await trustDir(bundle.dir, 'tls');
      registry = await startService(bundle.dir, 'registry');
    });
    afterAll(async () => registry?.stop());

    it('(2, 4) status --probe tells a stale certificate from a current one; after a restart the old CA copy still pushes', async () => {
      const first = await runCliJson<Status>(['status', '--dir', bundle.dir, '--probe']);
      expect(first.json.probe).toMatchObject({ served: 'current', tlsVerified: true, authRequired: true });

      expect((await runCli(['renew', '--dir', bundle.dir, '--days', '60'])).exitCode).toBe(0);
      const stale = await runCliJson<Status>(['status', '--dir', bundle.dir, '--probe']);
      expect(stale.exitCode).toBe(1);
      expect(stale.json.probe?.served).toBe('stale');
      expect(stale.json.problems).toEqual([expect.stringContaining(`run cd ${bundle.dir} && docker compose kill -s HUP registry`)]);
      expect(await servedFingerprint(port)).not.toBe(await fingerprint(path.join(bundle.dir, 'certs/registry.crt')));

      await registry.restart();
      const current = await runCliJson<Status>(['status', '--dir', bundle.dir, '--probe']);
      expect(current.json.probe?.served, JSON.stringify(current.json)).toBe('current');
      expect(current.exitCode).toBe(0);
      // A DNS name is checked through SNI and a DNS SAN, not the IP.
      const byName = await runCliJson<Status>(['status', '--dir', bundle.dir, '--probe', '--registry', `localhost:${port}`]);
      expect(byName.json.probe).toMatchObject({ served: 'current', tlsVerified: true, authRequired: true });
      const notInSans = await runCliJson<Status>(['status', '--dir', bundle.dir, '--probe', '--registry', `127.0.0.2:${port}`]);
      expect(notInSans.exitCode).toBe(1);
      expect(notInSans.json.problems).toEqual([expect.stringMatching(/127\.0\.0\.2:26502 fails TLS verification with ca\/ca\.crt: ERR_TLS_CERT_ALTNAME_INVALID/)]);
      expect(await servedFingerprint(port)).toBe(await fingerprint(path.join(bundle.dir, 'certs/registry.crt')));
      const pushed = await push(port, oldTrust, 'alice', alicePw);
      expect(pushed.exitCode, pushed.stderr).toBe(0);
    });

    it('(3) user add lets bob push and user rm locks alice out, with no restart', async () => {
      const pid = registry.pid();
      const add = await runCli(['user', 'add', 'bob', '--dir', bundle.dir, '--password-stdin'], { input: 'bob-password\n' });
      expect(add.exitCode, add.stderr).toBe(0);
      const bob = await push(port, oldTrust, 'bob', 'bob-password', 'bob');
      expect(bob.exitCode, bob.stderr).toBe(0);

      expect((await runCli(['user', 'rm', 'alice', '--dir', bundle.dir])).exitCode).toBe(0);
      const alice = await push(port, oldTrust, 'alice', alicePw, 'alice');
      expect(alice.exitCode).not.toBe(0);
      expect(alice.stderr).toMatch(/401|unauthorized/i);
      expect((await runCli(['user', 'ls', '--dir', bundle.dir])).stdout).toBe('bob');
      expect(registry.pid()).toBe(pid);
    });
  });

  it('(3) proxy mode: nginx sees user add and user rm at once (auth/ is mounted as a directory)', async () => {
    const port = 26503;
    const bundle = await makeBundle('proxy', port, ['--mode', 'proxy']);
    const trust = await trustDir(bundle.dir, 'proxy');
    const stack: Stack = await startStack(bundle.dir);
    try {
      const pid = stack.services.nginx!.pid();
      expect((await push(port, trust, 'admin', bundle.admin)).exitCode).toBe(0);
      expect((await runCli(['user', 'add', 'bob', '--dir', bundle.dir, '--password-stdin'], { input: 'bob-pw' })).exitCode).toBe(0);
      const bob = await push(port, trust, 'bob', 'bob-pw', 'bob');
      expect(bob.exitCode, `${bob.stderr}\n${stack.logs()}`).toBe(0);
      expect((await runCli(['user', 'rm', 'admin', '--dir', bundle.dir])).exitCode).toBe(0);
      const admin = await push(port, trust, 'admin', bundle.admin, 'admin');
      expect(admin.exitCode).not.toBe(0);
      expect(admin.stderr).toMatch(/401|unauthorized/i);
      expect(stack.services.nginx!.pid()).toBe(pid);
      const probe = await runCliJson<Status>(['status', '--dir', bundle.dir, '--probe']);
      expect(probe.json.probe).toMatchObject({ served: 'current', tlsVerified: true, authRequired: true });
      expect(probe.exitCode, JSON.stringify(probe.json.problems)).toBe(0);
    } finally {
      await stack.stop();
    }
  });
});
