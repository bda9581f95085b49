import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, runCli, runCliJson, treeHash } from './support/cli.js';
import { canRunPeers } from './support/require-peers.js';

/** Issue 2, proof 4: bad input gets one line and the right exit code, and nothing is written. */
const root = mkdtempSync(join(tmpdir(), 'rs-init-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fresh = () => mkdtempSync(join(root, 'case-'));
const base = ['init', '--yes', '--host', '10.0.0.5'];

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

describe('init: bad input', () => {
  it.each<[string, string[], string, RegExp]>([
    ['a bad IP', ['--host', '10.0.0.256'], '', /^registry-setup: --host "10.0.0.256" is neither an IP address nor a valid DNS name$/],
    ['a bad hostname', ['--host', 'bad_name.lan'], '', /^registry-setup: --host "bad_name.lan" is neither/],
    ['a port of 0', ['--port', '0'], '', /^registry-setup: --port "0" must be a whole number from 1 to 65535$/],
    ['a port over 65535', ['--port', '65536'], '', /--port "65536"/],
    ['a user name with a colon', ['--user', 'a:b'], '', /^registry-setup: --user "a:b": a user name cannot contain ':'$/],
    ['an empty password', ['--user', 'ci', '--password-stdin'], '\n', /^registry-setup: the password for ci is empty$/],
    ['an unknown mode', ['--mode', 'https'], '', /^registry-setup: --mode "https" is not one of: tls, proxy, insecure$/],
    ['a user in insecure mode', ['--mode', 'insecure', '--user', 'ci'], '', /--user cannot be used with --mode insecure/],
    ['an unknown flag', ['--colour'], '', /unknown option '--colour'/],
    ['a missing --ca-key', ['--ca-cert', '/etc/hostname'], '', /--ca-cert and --ca-key go together/],
  ])('%s: exit 2, one line, nothing written', async (_name, extra, input, message) => {
    const dir = join(fresh(), 'reg');
    const r = await runCli([...base, '--dir', dir, ...extra], { input });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(message);
    expect(existsSync(dir)).toBe(false);
    expect(r.stdout).toBe('');
  });

  it('without a terminal or --yes, a missing answer names its flag instead of hanging', async () => {
    const r = await runCli(['init', '--dir', join(fresh(), 'reg'), '--host', 'r.lan']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^registry-setup: missing --user: .*pass --user, or --yes/);
  });

  it('an existing bundle is never touched without --force (exit 1)', async () => {
    const dir = join(fresh(), 'reg');
    expect((await runCli([...base, '--dir', dir])).exitCode).toBe(0);
    const before = treeHash(dir);
    const r = await runCli([...base, '--dir', dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/already holds a bundle .*--force/);
    expect(treeHash(dir)).toBe(before);
  });

  it('--force replaces it and keeps the old bundle as the previous generation', async () => {
    const dir = join(fresh(), 'reg');
    await runCli([...base, '--dir', dir]);
    const oldCa = readFileSync(join(dir, 'ca/ca.crt'), 'utf8');
    writeFileSync(join(dir, 'data/keep-me'), 'images');
    const r = await runCliJson<{ previous: string }>([...base, '--dir', dir, '--force']);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'ca/ca.crt'), 'utf8')).not.toBe(oldCa);
    expect(r.json.previous).toMatch(/^\.gen\/g-/);
    expect(readFileSync(join(dir, r.json.previous, 'ca/ca.crt'), 'utf8')).toBe(oldCa);
    expect(statSync(join(dir, r.json.previous, 'ca/ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(dir, 'data/keep-me'), 'utf8')).toBe('images');
  });

  it.skipIf(!canRunPeers(['unshare', 'mount']))('an unwritable --dir fails with exit 1 and one line', () => {
    const mnt = fresh();
    // a read-only file system, in a private mount namespace so nothing outside sees it
    const script = `mount -t tmpfs -o ro tmpfs "$1" && exec "$2" "$3" init --yes --host 10.0.0.5 --dir "$1/reg"`;
    let status = 0;
    let stderr = '';
    try {
      execFileSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', mnt, process.execPath, CLI], { stdio: 'pipe' });
    } catch (err) {
      status = (err as { status: number }).status;
      stderr = String((err as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(1);
    expect(stderr).toMatch(/^registry-setup: --dir .*\/reg is not writable \(EROFS on .*\)\n$/);
  });

  it('a --ca-key that does not match --ca-cert, and a --ca-cert that is not a CA, are refused', async () => {
    const d = fresh();
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'a.key', '-out', 'a.crt', '-subj', '/CN=A', '-days', '3650',
      '-addext', 'basicConstraints=critical,CA:TRUE'], d);
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'b.key', '-out', 'b.crt', '-subj', '/CN=B', '-days', '3650',
      '-addext', 'basicConstraints=critical,CA:FALSE'], d);
    const mismatch = await runCli([...base, '--dir', join(d, 'reg'), '--ca-cert', join(d, 'a.crt'), '--ca-key', join(d, 'b.key')]);
    expect(mismatch.exitCode).toBe(2);
    expect(mismatch.stderr).toMatch(/^registry-setup: --ca-key .*b\.key does not match --ca-cert .*a\.crt$/m);
    const notCa = await runCli([...base, '--dir', join(d, 'reg'), '--ca-cert', join(d, 'b.crt'), '--ca-key', join(d, 'b.key')]);
    expect(notCa.exitCode).toBe(2);
    expect(notCa.stderr).toMatch(/b\.crt is not a CA certificate/);
    expect(existsSync(join(d, 'reg'))).toBe(false);
  });
});

describe('init: output and outside CAs', () => {
  it('refuses an outside CA that ends before the server certificate would', async () => {
    const d = fresh();
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'short.key', '-out', 'short.crt', '-subj', '/CN=Short CA', '-days', '30',
      '-addext', 'basicConstraints=critical,CA:TRUE'], d);
    const r = await runCli([...base, '--dir', join(d, 'reg'), '--ca-cert', join(d, 'short.crt'), '--ca-key', join(d, 'short.key')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^registry-setup: --ca-cert .*short\.crt expires on \d{4}-\d\d-\d\d, before a 825-day server certificate would; lower --days$/);
    expect(existsSync(join(d, 'reg'))).toBe(false);
    const ok = await runCli([...base, '--dir', join(d, 'reg'), '--days', '20', '--ca-cert', join(d, 'short.crt'), '--ca-key', join(d, 'short.key')]);
    expect(ok.exitCode).toBe(0);
  });

  it('--dry-run lists files with modes and writes nothing', async () => {
    const dir = join(fresh(), 'reg');
    const r = await runCli([...base, '--dir', dir, '--mode', 'proxy', '--dry-run']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('0600  certs/registry.key');
    expect(r.stdout).toContain('0644  nginx/registry.conf');
    expect(existsSync(dir)).toBe(false);
  });

  it('--json reports files and the generated password once, and logs never carry it', async () => {
    const dir = join(fresh(), 'reg');
    const r = await runCli([...base, '--dir', dir, '--user', 'ci', '--json']);
    const out = JSON.parse(r.stdout);
    expect(out.registry).toBe('10.0.0.5:5000');
    expect(out.users[0].password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(r.stderr).not.toContain(out.users[0].password);
    expect(readFileSync(join(dir, 'auth/htpasswd'), 'utf8')).not.toContain(out.users[0].password);
    expect(readFileSync(join(dir, 'registry-setup.yml'), 'utf8')).not.toContain(out.users[0].password);
  });

  it('signs with an outside CA (PKCS#8 key, as cfssl writes) and never copies its key', async () => {
    const d = fresh();
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'corp.key', '-out', 'corp.crt', '-subj', '/CN=Corp CA', '-days', '3650',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], d);
    expect(readFileSync(join(d, 'corp.key'), 'utf8')).toContain('BEGIN PRIVATE KEY');
    const r = await runCli([...base, '--dir', join(d, 'reg'), '--ca-cert', join(d, 'corp.crt'), '--ca-key', join(d, 'corp.key')]);
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(d, 'reg/ca/ca.key'))).toBe(false);
    expect(readFileSync(join(d, 'reg/ca/ca.crt'), 'utf8')).toBe(readFileSync(join(d, 'corp.crt'), 'utf8'));
    openssl(['verify', '-x509_strict', '-CAfile', 'corp.crt', 'reg/certs/registry.crt'], d);
  });
});

describe('init: interruptions', () => {
  /** Starts init and signals it after `ms`, returning its exit code or signal. */
  function interrupt(dir: string, signal: NodeJS.Signals, ms: number): Promise<number | string> {
    const child = spawn(process.execPath, [CLI, 'init', '--yes', '--host', '10.0.0.5', '--dir', dir], { stdio: 'ignore' });
    setTimeout(() => child.kill(signal), ms);
    return new Promise((resolve) => child.on('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  }

  // SIGINT and SIGTERM at a known moment (during bcrypt) are in signals.test.ts: a timer here
  // could fire before Node has even started running the CLI on a loaded machine.

  it('SIGKILL at any moment leaves either no bundle or a whole one, never a half-written key', async () => {
    for (const ms of [100, 300, 600, 900, 1200, 1600, 2200]) {
      const parent = fresh();
      const dir = join(parent, 'reg');
      await interrupt(dir, 'SIGKILL', ms);
      if (existsSync(dir)) {
        execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca/ca.crt'), join(dir, 'certs/registry.crt')], { stdio: 'ignore' });
        execFileSync('openssl', ['pkey', '-check', '-noout', '-in', join(dir, 'certs/registry.key')], { stdio: 'ignore' });
      }
      // whatever a killed run left, the next run starts clean
      mkdirSync(parent, { recursive: true });
      const again = await runCli([...base, '--dir', dir, '--force']);
      expect(again.exitCode).toBe(0);
      expect(readdirSync(parent)).toEqual(['reg']);
    }
  });
});
