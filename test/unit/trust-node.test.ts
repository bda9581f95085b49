import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderState, type BundleState } from '../../src/bundle/state.js';
import { FailError, UsageError } from '../../src/errors.js';
import { createOutput } from '../../src/io/output.js';
import type { Exec, ExecResult } from '../../src/remote/ssh-runner.js';
import { resolveTrustOptions, type TrustNodeFlags } from '../../src/commands/trust-node/resolve.js';
import { trustNode, untrustNode } from '../../src/commands/trust-node/index.js';
import { parseRegistryAddress } from '../../src/pki/hosts.js';
import { planBundleFiles } from '../../src/bundle/plan-files.js';
import { createBundle } from '../../src/io/bundle-writer.js';
import { resolvedFiles } from '../../src/io/file-plan.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHHIG2d\n-----END CERTIFICATE-----\n';
const NOW = new Date('2026-03-04T05:06:07Z');
let dir: string;
const state = (over: Partial<BundleState> = {}): BundleState => ({
  version: 1, mode: 'tls', hosts: ['10.0.0.5', 'reg.lan', '*.reg.lan'], port: 5000, days: 825, caDays: 3650, keyType: 'ecdsa',
  bcryptCost: 5, externalCa: false, image: 'registry:3.1.1', createdAt: NOW.toISOString(), ...over,
});
function writeBundle(s: BundleState): void {
  mkdirSync(join(dir, 'ca'), { recursive: true });
  writeFileSync(join(dir, 'registry-setup.yml'), renderState(s));
  writeFileSync(join(dir, 'ca/ca.crt'), CA);
}
const flags = (over: Partial<TrustNodeFlags> = {}): TrustNodeFlags => ({ dir, concurrency: '16', timeout: '60', ...over });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rs-trust-'));
  writeBundle(state());
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveTrustOptions', () => {
  const resolve = (hosts: string[], f: Partial<TrustNodeFlags> = {}, action: 'trust' | 'untrust' | 'check' = 'trust') =>
    resolveTrustOptions(action, hosts, flags(f), { readFile: (p) => (p === 'inv.txt' ? 'root@n2\n# x\nroot@n1\n' : readFileSync(p, 'utf8')), now: NOW });

  it('trusts every dialable bundle host with its port, in certs mode for a tls bundle', () => {
    const r = resolve(['root@n1']);
    expect(r.request).toMatchObject({ action: 'trust', mode: 'certs', addresses: ['10.0.0.5:5000', 'reg.lan:5000'], caPem: CA, runtimes: 'auto' });
    expect(r.ssh).toEqual({ identities: [], options: [], acceptNewHostKeys: false, connectTimeoutSec: 10, timeoutMs: 60_000 });
    expect(r.concurrency).toBe(16);
  });

  it('takes the bundle\'s mirrors by default, at its main address, and none with --no-mirrors', () => {
    const mirrors = [{ upstream: 'docker.io', url: 'https://registry-1.docker.io', port: 5010 }, { upstream: 'ghcr.io', url: 'https://ghcr.io', port: 5011 }];
    expect(resolve(['n1']).request.mirrors).toEqual([]);
    expect(() => resolve(['n1'], { mirrors: true })).toThrow(/^--mirrors: the bundle has no mirrors/);
    // untrust-node's commander default for --no-mirrors: mirrors true, even for a bundle with none.
    expect(resolve(['n1'], { mirrors: true }, 'untrust').request.mirrors).toEqual([]);
    writeBundle(state({ mirrors }));
    const want = [{ upstream: 'docker.io', address: '10.0.0.5:5010' }, { upstream: 'ghcr.io', address: '10.0.0.5:5011' }];
    expect(resolve(['n1']).request.mirrors).toEqual(want);
    expect(resolve(['n1'], {}, 'untrust').request.mirrors).toEqual(want);
    expect(resolve(['n1'], { mirrors: false }, 'untrust').request.mirrors).toEqual([]);
    expect(resolve(['n1'], { mirrors: false }).request.mirrors).toEqual([]);
    expect(() => resolve(['n1'], { mirrors: true, mode: 'insecure' })).toThrow(/^--mirrors: .*needs --mode certs/);
  });

  it('follows an insecure bundle, drops :443, and reads the CA only when needed', () => {
    writeBundle(state({ mode: 'insecure', port: 443, hosts: ['reg.lan'] }));
    expect(resolve(['n1']).request).toMatchObject({ mode: 'insecure', addresses: ['reg.lan'], caPem: null });
  });

  it('takes --registry over the bundle, and needs no bundle for untrust or insecure', () => {
    expect(resolve(['n1'], { registry: ['10.1.1.1:5443', '[fd00::1]:80', 'reg.lan'] }).request.addresses).toEqual(['10.1.1.1:5443', '[fd00::1]:80', 'reg.lan']);
    rmSync(join(dir, 'registry-setup.yml'));
    expect(resolve(['n1'], { registry: ['10.1.1.1:5443'] }, 'untrust').request.addresses).toEqual(['10.1.1.1:5443']);
    expect(resolve(['n1'], { registry: ['10.1.1.1:5443'], mode: 'insecure' }).request.mode).toBe('insecure');
    expect(() => resolve(['n1'], { registry: ['10.1.1.1:5443'] })).toThrow(/no bundle in/);
  });

  it('merges hosts and inventories, dropping the same target named twice', () => {
    expect(resolve(['root@n1'], { inventory: ['inv.txt'] }).targets.map((t) => t.label)).toEqual(['root@n1', 'root@n2']);
  });

  it('defaults --hosts-entry to the bundle\'s first IP, and takes runtimes by name or all', () => {
    writeBundle(state({ hosts: ['reg.lan', '10.0.0.5'] }));
    expect(resolve(['n1'], { hostsEntry: true }).request.hostsEntryIp).toBe('10.0.0.5');
    expect(resolve(['n1'], { hostsEntry: true, hostsIp: '10.9.9.9' }).request.hostsEntryIp).toBe('10.9.9.9');
    expect(resolve(['n1'], { hostsIp: '10.9.9.9' }).request.hostsEntryIp).toBeNull();
    expect(resolve(['n1'], { runtime: ['docker,podman'] }).request.runtimes).toEqual(['docker', 'podman']);
    expect(resolve(['n1'], { runtime: ['docker', 'all'] }).request.runtimes).toEqual(['docker', 'containerd', 'podman']);
  });

  it.each<[string, string[], Partial<TrustNodeFlags>, RegExp]>([
    ['no host', [], {}, /name at least one host/],
    ['a bad host', ['root@bad host'], {}, /not a host name/],
    ['a bad mode', ['n1'], { mode: 'tls' }, /--mode "tls" is not one of: certs, insecure/],
    ['a bad runtime', ['n1'], { runtime: ['lxc'] }, /--runtime "lxc"/],
    ['a bad ssh option', ['n1'], { sshOption: ['-oProxyCommand'] }, /KEY=VALUE/],
    ['host key checking off', ['n1'], { sshOption: ['StrictHostKeyChecking=no'] }, /refused.*--accept-new-host-keys/],
    ['a zero concurrency', ['n1'], { concurrency: '0' }, /--concurrency/],
    ['a bad timeout', ['n1'], { timeout: '1m' }, /--timeout/],
    ['a bad --ssh-port', ['n1'], { sshPort: '70000' }, /--ssh-port/],
    ['a bad --hosts-ip', ['n1'], { hostsEntry: true, hostsIp: 'reg.lan' }, /--hosts-ip "reg.lan" must be an IP/],
    ['--system-trust in insecure mode', ['n1'], { mode: 'insecure', systemTrust: true }, /insecure mode has none/],
    ['a bad --registry', ['n1'], { registry: ['reg.lan:x'] }, /--registry/],
    ['a wildcard --registry', ['n1'], { registry: ['*.reg.lan:5000'] }, /wildcard/],
  ])('refuses %s with a usage error', (_what, hosts, f, why) => {
    expect(() => resolve(hosts, f)).toThrow(UsageError);
    expect(() => resolve(hosts, f)).toThrow(why);
  });

  it('fails (not usage) when the CA cannot be read', () => {
    rmSync(join(dir, 'ca/ca.crt'));
    expect(() => resolve(['n1'])).toThrow(FailError);
    expect(() => resolve(['n1'])).toThrow(/needs the bundle's CA/);
  });

  it.each([['fd00::1', '[fd00::1]'], ['Reg.LAN:443', 'reg.lan'], ['[fd00::1]:5000', '[fd00::1]:5000']])('takes --registry %s as %s', (raw, want) => {
    expect(parseRegistryAddress(raw).address).toBe(want);
    expect(resolve(['n1'], { registry: [raw] }).request.addresses).toEqual([want]);
  });

  it('reads a bundle the writer made, its CA through the links into the CA store', async () => {
    const made = join(dir, 'made');
    await createBundle(made, resolvedFiles(planBundleFiles(state({ hosts: ['10.0.0.9'] }), {
      caCertPem: CA, caKeyPem: 'CA KEY\n', certPem: 'CERT\n', keyPem: 'KEY\n', htpasswd: 'a:b\n',
    })), { now: NOW, random: (n) => new Uint8Array(n).fill(1) });
    expect(resolveTrustOptions('trust', ['n1'], flags({ dir: made }), { readFile: (p) => readFileSync(p, 'utf8'), now: NOW }).request)
      .toMatchObject({ mode: 'certs', addresses: ['10.0.0.9:5000'], caPem: CA });
  });
});

/** A fake ssh from a table: host → what it answers. */
function fakeSsh(table: Record<string, Partial<ExecResult>>): { exec: Exec; calls: Array<{ args: string[]; input: string }> } {
  const calls: Array<{ args: string[]; input: string }> = [];
  const exec: Exec = async (_file, args, { input }) => {
    calls.push({ args, input });
    const host = args[args.indexOf('--') + 1]!;
    return { exitCode: 0, stdout: '', stderr: '', timedOut: false, ...table[host] };
  };
  return { exec, calls };
}
function capture(json = false) {
  const text = { out: '', err: '' };
  const sink = (k: 'out' | 'err') => ({ write: (s: string) => ((text[k] += s), true), isTTY: false }) as unknown as Writable;
  return { out: createOutput({ json, stdout: sink('out'), stderr: sink('err'), env: {} }), text, stream: { write: (s: string) => (text.err += s) } };
}
const OK = (...lines: string[]) => ({ stdout: ['@@rs begin', '@@rs runtimes docker ', ...lines, '@@rs end', ''].join('\n') });

describe('trustNode', () => {
  it('sends one identical script per host, reports a table, and exits 1 naming the failed host', async () => {
    const { exec, calls } = fakeSsh({
      n1: OK('@@rs change wrote /etc/docker/certs.d/10.0.0.5:5000/ca.crt'),
      n2: OK(),
      n3: { exitCode: 255, stderr: 'ssh: connect to host n3 port 22: No route to host\n' },
    });
    const c = capture();
    const done = trustNode(['root@n1', 'root@n2', 'root@n3'], flags(), { exec, out: c.out, now: NOW, progressStream: c.stream });
    await expect(done).rejects.toThrow(new FailError('1 of 3 hosts failed: root@n3'));
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.input)).size).toBe(1);
    expect(calls[0]!.input).toContain(CA);
    for (const call of calls) expect(call.args.join(' ')).not.toContain('BEGIN CERTIFICATE');
    expect(c.text.out).toBe(
      [
        'HOST     RESULT     CHANGES',
        'root@n1  changed    wrote /etc/docker/certs.d/10.0.0.5:5000/ca.crt',
        'root@n2  unchanged  -',
        'root@n3  failed     unreachable: ssh: connect to host n3 port 22: No route to host',
        '',
      ].join('\n'),
    );
    expect(c.text.err).toMatch(/^ {2}root@n\d {2}✔|✘/m);
    expect(c.text.err).toMatch(/3 hosts: 1 changed, 1 unchanged, 1 failed \(\d+\.\d s\)/);
  });

  it('prints the same results as JSON, and exits 0 when every host is fine', async () => {
    const { exec } = fakeSsh({ n1: OK('@@rs warn containerd reads …'), n2: OK() });
    const c = capture(true);
    await trustNode(['root@n1', 'n2'], flags({ json: true }), { exec, out: c.out, now: NOW });
    const doc = JSON.parse(c.text.out);
    expect(doc).toMatchObject({ action: 'trust', mode: 'certs', registries: ['10.0.0.5:5000', 'reg.lan:5000'], ok: true });
    expect(doc.hosts.map((h: { host: string; result: string; warnings: string[] }) => [h.host, h.result, h.warnings])).toEqual([
      ['root@n1', 'unchanged', ['containerd reads …']],
      ['n2', 'unchanged', []],
    ]);
    expect(c.text.err).toBe('');
  });

  it('with --check exits 1 when a host does not trust the registry', async () => {
    const { exec, calls } = fakeSsh({ n1: OK('@@rs state ok /a'), n2: OK('@@rs state missing /a') });
    const c = capture();
    await expect(trustNode(['n1', 'n2'], flags({ check: true }), { exec, out: c.out, now: NOW, progressStream: c.stream })).rejects.toThrow(/1 of 2 hosts do not fully trust/);
    expect(calls[0]!.input).toContain('trust-node --check');
    expect(c.text.out).toContain('n2    untrusted  missing: /a');
  });

  it('--dry-run prints each host\'s ssh command and script and contacts nobody', async () => {
    const { exec, calls } = fakeSsh({});
    const c = capture();
    await trustNode(['root@n1', 'ops@n2'], flags({ dryRun: true }), { exec, out: c.out, now: NOW });
    expect(calls).toHaveLength(0);
    expect(c.text.out.match(/^# ===== /gm)).toHaveLength(2);
    expect(c.text.out).toContain("# ===== root@n1: ssh -T -o BatchMode=yes -o ConnectTimeout=10 -l root -- n1 'sh -s' <<'SCRIPT'\n# registry-setup trust-node (certs mode)");
    expect(c.text.out).toContain('exec sudo -n sh -s');
  });

  it('shows a live line per host on a terminal', async () => {
    const { exec } = fakeSsh({ n1: OK(), n2: OK() });
    const c = capture();
    const writes: string[] = [];
    await trustNode(['n1', 'n2'], flags(), { exec, out: c.out, now: NOW, progressStream: { write: (s: string) => writes.push(s), isTTY: true, rows: 40 } });
    expect(writes[0]).toBe('  n1  · waiting\n  n2  · waiting\n');
    expect(writes.some((w) => w.includes('\x1b[2A\r\x1b[2K  n1  … running'))).toBe(true);
    expect(writes.some((w) => w.includes('\x1b[1A\r\x1b[2K  n2  ✔ unchanged'))).toBe(true);
  });
});

describe('opening the bundle', () => {
  it("removes an interrupted run's leftovers first, saying so in one line", async () => {
    writeFileSync(join(dir, '.lock'), `4194305\n${hostname()}\n`); // a killed command's, of a pid no process has
    const { exec } = fakeSsh({ n1: OK() });
    const c = capture();
    await trustNode(['n1'], flags(), { exec, out: c.out, now: NOW, progressStream: c.stream });
    expect(c.text.err).toContain(`warning: an interrupted run left ${dir} unfinished (nothing it had committed is lost): removed .lock (of pid 4194305)\n`);
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  });
});

describe('untrustNode', () => {
  it('sends the undo script for the bundle addresses', async () => {
    const { exec, calls } = fakeSsh({ n1: OK('@@rs change removed /etc/docker/certs.d/10.0.0.5:5000/ca.crt') });
    const c = capture();
    await untrustNode(['n1'], flags(), { exec, out: c.out, now: NOW, progressStream: c.stream });
    expect(calls[0]!.input).toContain('\nrs_undo 10.0.0.5:5000 reg.lan:5000\n');
    expect(calls[0]!.input).not.toContain(CA);
    expect(c.text.out).toContain('n1    changed  removed /etc/docker/certs.d/10.0.0.5:5000/ca.crt');
  });
});
