import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli, runCliJson, treeHash } from './support/cli.js';
import { startService } from './support/compose-stack.js';
import { isPortOpen } from './support/net.js';
import { buildOciLayout } from './support/oci-image.js';
import { canRunPeers } from './support/require-peers.js';
import { pushLayout } from './support/skopeo.js';

/**
 * Bad input on the spine of every command (the bundle record, --dir, --host, an outside
 * CA chain) is refused in one line that names the flag or the file and key, with the exit
 * code of its kind, and nothing is written; and a company CA chain that is right works
 * all the way to a push through the real registry.
 */
const INPUT_PEERS = ['openssl', 'cp'];
const SERVE_PEERS = ['openssl', 'docker-registry', 'skopeo', 'unshare', 'setpriv'];
let work: string;
let base: string;
let n = 0;

/** A copy of the base bundle in a parent of its own, so "nothing written beside it" is a listing. */
async function copyBundle(): Promise<string> {
  const parent = path.join(work, `case-${++n}`);
  mkdirSync(parent);
  await execa('cp', ['-a', base, path.join(parent, 'b')]);
  return path.join(parent, 'b');
}

const emptyDir = () => {
  const dir = path.join(work, `empty-${++n}`);
  mkdirSync(dir);
  return dir;
};

/** Everything in the bundle, and the names beside it (a staging dir would show there). */
const snapshot = (dir: string) => ({ tree: existsSync(dir) ? treeHash(dir) : null, beside: readdirSync(path.dirname(dir)).sort() });

function expectOneLine(r: CliResult, code: number, message: RegExp): void {
  expect(r.exitCode, r.stderr).toBe(code);
  expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^registry-setup: /)]);
  expect(r.stderr).toMatch(message);
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
type Doc = Record<string, unknown>;
const set = (fields: Doc) => (d: Doc) => ({ ...d, ...fields });

/** [what, the edit, the key the one line must name]. */
const STATE_ROWS: [string, (d: Doc) => Doc | string, string][] = [
  ['hosts: [1]', set({ hosts: [1] }), 'hosts\\[0\\]'],
  ['hosts: []', set({ hosts: [] }), 'hosts'],
  ['hosts: ["0.0.0.0"]', set({ hosts: ['0.0.0.0'] }), 'hosts\\[0\\]'],
  ['hosts: ["fe80::1%eth0"]', set({ hosts: ['fe80::1%eth0'] }), 'hosts\\[0\\]'],
  ['mode: tcp', set({ mode: 'tcp' }), 'mode'],
  ['port: 0', set({ port: 0 }), 'port'],
  ['port: 70000', set({ port: 70000 }), 'port'],
  ['days: 0', set({ days: 0 }), 'days'],
  ['caDays: 0', set({ caDays: 0 }), 'caDays'],
  ['keyType: dsa', set({ keyType: 'dsa' }), 'keyType'],
  ['keySize: 512 (rsa)', set({ keyType: 'rsa', keySize: 512, caKeySize: 4096 }), 'keySize'],
  ['keySize: big (rsa)', set({ keyType: 'rsa', keySize: 'big', caKeySize: 4096 }), 'keySize'],
  ['bcryptCost: 31', set({ bcryptCost: 31 }), 'bcryptCost'],
  ['externalCa: "yes"', set({ externalCa: 'yes' }), 'externalCa'],
  ['image: ""', set({ image: '' }), 'image'],
  ['version: 2', set({ version: 2 }), 'version'],
  ['no port key', ({ port: _, ...rest }) => rest, 'port is missing'],
  ['not YAML', () => 'hosts: [127.0.0.1\nport: : 5000\n', 'is not valid YAML'],
];

/** A self-signed CA, or one signed by `issuer` (an intermediate, CA:TRUE). */
async function makeCa(name: string, issuer?: { crt: string; key: string }) {
  const [crt, key] = [path.join(work, `${name}.crt`), path.join(work, `${name}.key`)];
  const ext = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
  const signer = issuer ? ['-CA', issuer.crt, '-CAkey', issuer.key] : [];
  await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-sha256', '-days', '3650',
    '-keyout', key, '-out', crt, '-subj', `/CN=${name}`, ...ext, ...signer]);
  return { crt, key, pem: readFileSync(crt, 'utf8') };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'spine-input-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe.skipIf(!canRunPeers(INPUT_PEERS))('bad input: one line naming it, the right exit code, nothing written', () => {
  beforeAll(async () => {
    base = path.join(work, 'base');
    const r = await runCli(['init', '--dir', base, '--yes', '--host', '127.0.0.1']);
    expect(r.exitCode, r.stderr).toBe(0);
  });

  // Concurrent: 54 CLI runs that mostly wait on node's start-up.
  it.concurrent.each(STATE_ROWS)('registry-setup.yml with %s: status, renew, user add refuse it', async (_, edit, key) => {
    const dir = await copyBundle();
    const file = path.join(dir, 'registry-setup.yml');
    const edited = edit(YAML.parse(readFileSync(file, 'utf8')) as Doc);
    writeFileSync(file, typeof edited === 'string' ? edited : YAML.stringify(edited)); // through the link: the baseline is taken after
    const before = snapshot(dir);
    for (const args of [['status'], ['renew', '--force'], ['user', 'add', 'x', '--password-stdin']]) {
      const r = await runCli([...args, '--dir', dir], { input: 'a password\n' });
      expectOneLine(r, 1, new RegExp(`${esc(file)}:? ${key}`));
      expect(snapshot(dir), args.join(' ')).toEqual(before);
    }
  });

  it.concurrent.each([
    ['init', '--yes', '--host', '127.0.0.1'], ['status'], ['renew'], ['user', 'add', 'x', '--password-stdin'], ['user', 'rm', 'x'], ['user', 'ls'],
    ['trust-node', 'root@10.0.0.9'],
  ].map((args) => [args.join(' '), args] as const))("%s --dir '': a usage error, nothing written in the cwd", async (_, args) => {
    const cwd = emptyDir();
    expectOneLine(await runCli([...args, '--dir', ''], { cwd, input: 'a password\n' }), 2, /--dir ""/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it.concurrent.each(['fe80::1%eth0', '0.0.0.0', '::', '255.255.255.255', '224.0.0.1', 'ff02::1'])('init --host %s: no client can dial it', async (host) => {
    const cwd = emptyDir();
    expectOneLine(await runCli(['init', '--yes', '--host', host, '--dir', path.join(cwd, 'r')], { cwd }), 2, new RegExp(`--host "${esc(host)}"`));
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('init --ca-cert whose blocks are no chain, and --key-size without --key-type rsa: usage errors', async () => {
    const [a, b] = [await makeCa('root-a'), await makeCa('root-b')];
    const int = await makeCa('int-a', a);
    const cases: [string, string, string][] = [
      ['two unrelated CAs', a.pem + b.pem, a.key],
      ['root before its intermediate', a.pem + int.pem, int.key],
      ['an intermediate, then a root that did not issue it', int.pem + b.pem, int.key],
    ];
    for (const [what, pem, key] of cases) {
      const cwd = emptyDir();
      writeFileSync(path.join(work, 'chain.pem'), pem);
      const r = await runCli(['init', '--yes', '--host', '127.0.0.1', '--dir', path.join(cwd, 'r'), '--ca-cert', path.join(work, 'chain.pem'), '--ca-key', key], { cwd });
      expectOneLine(r, 2, /--ca-cert .*chain\.pem.*was not issued by the next block/);
      expect(readdirSync(cwd), what).toEqual([]);
    }
    const cwd = emptyDir();
    expectOneLine(await runCli(['init', '--yes', '--host', '127.0.0.1', '--key-size', '4096', '--dir', path.join(cwd, 'r')], { cwd }), 2, /--key-size/);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe.skipIf(!canRunPeers(SERVE_PEERS))('a company CA chain: root -> intermediate signs, nodes trust the root only', () => {
  it('init --ca-cert chain --ca-key int.key: ca.crt is the root, the server sends leaf + intermediate, skopeo pushes', async () => {
    const root = await makeCa('company-root');
    const int = await makeCa('company-int', root);
    const chain = path.join(work, 'company-chain.pem');
    writeFileSync(chain, int.pem + root.pem);
    let port = 26640;
    while (await isPortOpen('127.0.0.1', port)) if (++port > 26699) throw new Error('no free port in 26640-26699');
    const dir = path.join(work, 'company');
    const r = await runCliJson<{ users: { name: string; password: string }[] }>(['init', '--dir', dir, '--yes', '--host', '127.0.0.1', '--port', String(port),
      '--ca-cert', chain, '--ca-key', int.key]);
    expect(r.exitCode, r.stderr).toBe(0);

    const fp = (pem: string) => new X509Certificate(pem).fingerprint256;
    const blocks = (file: string) => readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/g) ?? [];
    expect(blocks(path.join(dir, 'ca/ca.crt')).map(fp)).toEqual([fp(root.pem)]);
    const served = blocks(path.join(dir, 'certs/registry.crt'));
    expect(served.slice(1).map(fp), 'the leaf, then the intermediate').toEqual([fp(int.pem)]);
    expect(existsSync(path.join(dir, 'ca/ca.key')), 'an outside CA key copied in').toBe(false);
    const leaf = path.join(work, 'leaf.pem');
    writeFileSync(leaf, served[0]!);
    const verify = await execa('openssl', ['verify', '-CAfile', path.join(dir, 'ca/ca.crt'), '-untrusted', int.crt, leaf]);
    expect(verify.stdout).toMatch(/: OK$/);

    const registry = await startService(dir, 'registry');
    try {
      const layout = path.join(work, 'layout');
      await buildOciLayout(layout, 'v1');
      const trust = path.join(work, 'trust-root-only');
      mkdirSync(trust);
      writeFileSync(path.join(trust, 'ca.crt'), root.pem);
      const admin = r.json.users[0]!;
      const push = await pushLayout(layout, 'v1', `127.0.0.1:${port}/company/hello:v1`, { certDir: trust, creds: { username: admin.name, password: admin.password } });
      expect(push.exitCode, `${push.command}\n${push.stderr}\n${registry.logs()}`).toBe(0);
    } finally {
      await registry.stop();
    }
  });
});
