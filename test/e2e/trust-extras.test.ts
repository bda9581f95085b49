import { createHash } from 'node:crypto';
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planTrust, renderTrustScript, type TrustRequest } from '../../src/remote/trust-script.js';
import { parseScriptOutput } from '../../src/remote/trust-result.js';
import { canRunPeers } from './support/require-peers.js';

/**
 * What the lan proof does not reach: containerd and podman files, --system-trust with the
 * real update-ca-certificates, --hosts-entry, and undoing all of it. The real script runs as
 * root in a private mount and pid namespace over a copy of /etc, /usr/local/share and an
 * empty /var/lib, so the machine's own files are never touched.
 */
const PEERS = ['unshare', 'update-ca-certificates', 'getent', 'openssl'];
const ADDRS = ['10.0.0.5:5000', 'reg.example.test:5000'];

describe.skipIf(!canRunPeers(PEERS))('trust-node extras on a sandboxed node', () => {
  let root: string;
  let ca: string;

  const runScript = async (req: Partial<TrustRequest>) => {
    const script = renderTrustScript(planTrust({
      action: 'trust', mode: 'certs', addresses: ADDRS, caPem: ca, runtimes: ['docker', 'containerd', 'podman'],
      systemTrust: true, hostsEntryIp: '10.0.0.5', now: new Date(), ...req,
    }));
    const mounts = [['etc', '/etc'], ['share', '/usr/local/share'], ['varlib', '/var/lib']]
      .map(([from, to]) => `mount --bind '${join(root, from!)}' ${to}`).join(' && ');
    const r = await execa('unshare', ['-m', '-p', '-f', '--mount-proc', '--propagation', 'private', 'sh', '-c', `${mounts} && exec sh -s`], { input: script, reject: false });
    return { ...parseScriptOutput(r.stdout), exitCode: r.exitCode, stderr: r.stderr };
  };

  /** Everything trust-node may touch in the sandbox: paths, modes and content hashes. */
  const state = async (): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    const walk = async (p: string): Promise<void> => {
      const st = await lstat(join(root, p)).catch(() => null);
      if (!st) return;
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[p] = `dir ${mode}`;
        for (const e of await readdir(join(root, p))) await walk(`${p}/${e}`);
      } else {
        // Through links: update-ca-certificates re-links the store on every run, whoever calls it.
        const text = await readFile(join(root, p)).catch(() => 'dangling link');
        out[p] = `${st.isSymbolicLink() ? 'link' : mode} ${createHash('sha256').update(text).digest('hex')}`;
      }
    };
    for (const p of ['etc/docker', 'etc/containerd', 'etc/containers', 'etc/hosts', 'etc/ssl/certs', 'share/ca-certificates', 'varlib/registry-setup']) await walk(p);
    return out;
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'rs-trust-extras-'));
    await Promise.all([cp('/etc', join(root, 'etc'), { recursive: true, verbatimSymlinks: true }), cp('/usr/local/share', join(root, 'share'), { recursive: true, verbatimSymlinks: true }), mkdir(join(root, 'varlib'))]);
    // Names resolve from /etc/hosts only: no DNS wait, and reg.example.test stays unknown.
    await writeFile(join(root, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files\n');
    await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(root, 'ca.key'), '-out', join(root, 'ca.crt'), '-subj', '/CN=extras test CA', '-days', '2']);
    ca = await readFile(join(root, 'ca.crt'), 'utf8');
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('writes every runtime\'s files, the OS store and a hosts line, then undoes exactly that', async () => {
    // The machine's own store as update-ca-certificates lays it out (it re-links on any run).
    await execa('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount --bind '${join(root, 'etc')}' /etc && mount --bind '${join(root, 'share')}' /usr/local/share && mount --bind '${join(root, 'varlib')}' /var/lib && update-ca-certificates --fresh >/dev/null 2>&1`]);
    const before = await state();
    const first = await runScript({});
    expect(first, first.stderr).toMatchObject({ exitCode: 0, ended: true, errors: [] });
    for (const a of ADDRS) {
      expect(await readFile(join(root, `etc/docker/certs.d/${a}/ca.crt`), 'utf8')).toBe(ca);
      expect(await readFile(join(root, `etc/containerd/certs.d/${a}/ca.crt`), 'utf8')).toBe(ca);
      expect(await readFile(join(root, `etc/containers/certs.d/${a}/ca.crt`), 'utf8')).toBe(ca);
      expect(await readFile(join(root, `etc/containerd/certs.d/${a}/hosts.toml`), 'utf8')).toContain(`ca = "/etc/containerd/certs.d/${a}/ca.crt"`);
    }
    // Debian's containerd config.toml does not set config_path.
    expect(first.warnings.join('\n')).toMatch(/config_path/);
    expect(await readFile(join(root, 'etc/hosts'), 'utf8')).toMatch(/\n10\.0\.0\.5 reg\.example\.test\n$/);
    const bundle = await readFile(join(root, 'etc/ssl/certs/ca-certificates.crt'), 'utf8');
    expect(bundle).toContain(ca.trim());
    expect(first.changes).toContain('refreshed the system CA store');

    const second = await runScript({});
    expect(second).toMatchObject({ exitCode: 0, changes: [] });
    const check = await runScript({ action: 'check' });
    expect(check.states).toHaveLength(10); // 8 runtime files, the OS store, the hosts name
    expect(check.states.filter((s) => s.state !== 'ok')).toEqual([]);

    const undo = await runScript({ action: 'untrust', caPem: null });
    expect(undo, undo.stderr).toMatchObject({ exitCode: 0, ended: true, errors: [] });
    expect(await state()).toEqual(before);
    expect(await readFile(join(root, 'etc/ssl/certs/ca-certificates.crt'), 'utf8')).not.toContain(ca.trim());
  });

  it('writes insecure entries for containerd and podman', async () => {
    const r = await runScript({ mode: 'insecure', caPem: null, runtimes: ['containerd', 'podman'], systemTrust: false, hostsEntryIp: null });
    expect(r, r.stderr).toMatchObject({ exitCode: 0, errors: [] });
    expect(await readFile(join(root, 'etc/containers/registries.conf.d/registry-setup-10.0.0.5:5000.conf'), 'utf8')).toContain('insecure = true');
    expect(await readFile(join(root, 'etc/containerd/certs.d/10.0.0.5:5000/hosts.toml'), 'utf8')).toContain('skip_verify = true');
    expect(await runScript({ action: 'untrust', caPem: null })).toMatchObject({ exitCode: 0, errors: [] });
    await expect(lstat(join(root, 'etc/containers/registries.conf.d/registry-setup-10.0.0.5:5000.conf'))).rejects.toThrow(/ENOENT/);
  });
});
