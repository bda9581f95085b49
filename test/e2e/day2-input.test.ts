import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli, treeHash } from './support/cli.js';
import { canRunPeers } from './support/require-peers.js';

/** Issue 4's proof 5 (bad input changes nothing), plus outside CAs, --reload and --install-timer through the real CLI. */
const PEERS = ['openssl', 'systemd-analyze'];
let work: string;
let base: string;
let n = 0;

/** A private copy of the base bundle (modes kept), so each case starts clean. */
async function copyBundle(from = base): Promise<string> {
  const dir = path.join(work, `case-${++n}`);
  await execa('cp', ['-a', from, dir]);
  return dir;
}

async function init(name: string, extra: string[]): Promise<string> {
  const dir = path.join(work, name);
  const r = await runCli(['init', '--dir', dir, '--yes', '--host', '127.0.0.1', '--port', '26510', ...extra]);
  expect(r.exitCode, r.stderr).toBe(0);
  return dir;
}

/** One line on stderr, naming the problem, and the exit code asked for. */
function expectOneLine(r: CliResult, code: number, message: RegExp): void {
  expect(r.exitCode, r.stderr).toBe(code);
  expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^registry-setup: /)]);
  expect(r.stderr).toMatch(message);
}

/** A docker stand-in that records how renew --reload called it. */
async function fakeDocker(fail = false): Promise<{ env: Record<string, string>; calls: () => Promise<string> }> {
  const bin = await mkdtemp(path.join(work, 'bin-'));
  const log = path.join(bin, 'calls');
  await writeFile(path.join(bin, 'docker'), `#!/bin/sh\necho "$PWD $*" >> ${log}\n${fail ? 'echo "no such service: registry" >&2; exit 1' : 'exit 0'}\n`);
  await chmod(path.join(bin, 'docker'), 0o755);
  return { env: { PATH: `${bin}:${process.env.PATH}` }, calls: async () => (existsSync(log) ? readFile(log, 'utf8') : '') };
}

describe.skipIf(!canRunPeers(PEERS))('day 2: bad input, outside CAs, reload and timers', () => {
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'day2-input-'));
    base = await init('base', ['--days', '10']);
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('a missing bundle: one line, exit 1, nothing created', async () => {
    const dir = path.join(work, 'nowhere');
    for (const args of [['status'], ['status', '--probe'], ['renew'], ['renew', '--install-timer', '--root', work], ['user', 'ls'], ['user', 'rm', 'x']]) {
      expectOneLine(await runCli([...args, '--dir', dir]), 1, /no bundle in .*nowhere: .*registry-setup\.yml is missing/);
    }
    expect(existsSync(dir)).toBe(false);
  });

  it('a key that does not match its certificate: renew refuses, status says what to do; --force repairs it', async () => {
    const dir = await copyBundle();
    await execa('openssl', ['genrsa', '-out', path.join(dir, 'certs/registry.key'), '2048']);
    const before = treeHash(dir);
    expectOneLine(await runCli(['renew', '--dir', dir]), 1, /certs\/registry\.key does not match .*certs\/registry\.crt; run renew --force/);
    const status = await runCli(['status', '--dir', dir]);
    expect(status.exitCode).toBe(1);
    expect(status.stdout).toMatch(/DOES NOT MATCH certs\/registry\.key[^]*• certs\/registry\.key does not match certs\/registry\.crt/);
    expect(treeHash(dir)).toBe(before);
    expect((await runCli(['renew', '--dir', dir, '--force', '--days', '90'])).exitCode).toBe(0);
    expect((await runCli(['status', '--dir', dir])).exitCode).toBe(0);
  });

  it('a corrupt certificate: one line from status and renew, exit 1, nothing changed', async () => {
    const dir = await copyBundle();
    await writeFile(path.join(dir, 'certs/registry.crt'), '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    const before = treeHash(dir);
    for (const args of [['status'], ['status', '--json'], ['renew'], ['renew', '--force']]) {
      expectOneLine(await runCli([...args, '--dir', dir]), 1, /certs\/registry\.crt is not a readable PEM certificate/);
    }
    expect(treeHash(dir)).toBe(before);
  });

  it('users: unknown, existing, invalid names, no password source, and an insecure bundle', async () => {
    const dir = await copyBundle();
    const before = treeHash(dir);
    expectOneLine(await runCli(['user', 'rm', 'nobody', '--dir', dir]), 1, /no user nobody in/);
    expectOneLine(await runCli(['user', 'add', 'admin', '--dir', dir, '--generate']), 1, /user admin already exists .*--update/);
    expectOneLine(await runCli(['user', 'add', 'a:b', '--dir', dir, '--generate']), 2, /user name "a:b": a user name cannot contain ':'/);
    expectOneLine(await runCli(['user', 'add', 'bob', '--dir', dir]), 2, /missing --password-stdin/);
    expectOneLine(await runCli(['user', 'add', 'bob', '--dir', dir, '--password-stdin'], { input: '\n' }), 2, /the password for bob is empty/);
    expect(treeHash(dir)).toBe(before);
    const insecure = await init('insecure', ['--mode', 'insecure']);
    expectOneLine(await runCli(['user', 'add', 'bob', '--dir', insecure, '--generate']), 1, /insecure-mode bundle: plain HTTP carries no authentication/);
  });

  it('invalid --within, --days, --add-host, --registry: usage errors (exit 2), nothing changed', async () => {
    const dir = await copyBundle();
    const before = treeHash(dir);
    for (const [args, message] of [
      [['renew', '--within', 'abc'], /--within "abc" must be a whole number from 0 to 3650/],
      [['renew', '--within', '-1'], /--within "-1"/],
      [['status', '--within', '99999'], /--within "99999"/],
      [['renew', '--days', '0'], /--days "0"/],
      [['renew', '--add-host', 'not a host'], /--add-host "not a host" is neither/],
      [['status', '--probe', '--registry', '127.0.0.1:0'], /--registry "127\.0\.0\.1:0": the port/],
      [['renew', '--ca-cert', 'x.pem'], /--ca-cert and --ca-key go together/],
    ] as const) {
      expectOneLine(await runCli([...args, '--dir', dir]), 2, message);
    }
    expect(treeHash(dir)).toBe(before);
  });

  it('an outside CA: renew asks for it, refuses another CA, and signs with the right one', async () => {
    const ca = async (name: string) => {
      const [crt, key] = [path.join(work, `${name}.crt`), path.join(work, `${name}.key`)];
      await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '365', '-keyout', key, '-out', crt,
        '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
      return { crt, key };
    };
    const company = await ca('company-ca');
    const other = await ca('other-ca');
    const dir = await init('outside', ['--ca-cert', company.crt, '--ca-key', company.key, '--days', '10']);
    const before = treeHash(dir);
    expectOneLine(await runCli(['renew', '--dir', dir]), 1, /outside CA, whose key stays outside it; pass the CA as --ca-cert FILE --ca-key FILE/);
    expectOneLine(await runCli(['renew', '--dir', dir, '--ca-cert', other.crt, '--ca-key', other.key]), 1, /is not the bundle's CA .*renew never switches CA/);
    expectOneLine(await runCli(['renew', '--dir', dir, '--ca-cert', company.crt, '--ca-key', other.key]), 2, /--ca-key .* does not match --ca-cert/);
    expect(treeHash(dir)).toBe(before);
    const ok = await runCli(['renew', '--dir', dir, '--ca-cert', company.crt, '--ca-key', company.key, '--days', '90']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const verify = await execa('openssl', ['verify', '-CAfile', path.join(dir, 'ca/ca.crt'), path.join(dir, 'certs/registry.crt')]);
    expect(verify.stdout).toMatch(/: OK$/);
    expect(existsSync(path.join(dir, 'ca/ca.key'))).toBe(false);
  });

  it('--add-host renews at once, adds the SAN, and records it; the same host again does nothing', async () => {
    const dir = await copyBundle();
    const r = await runCli(['renew', '--dir', dir, '--add-host', 'registry.example.test', '--days', '90']);
    expect(r.exitCode, r.stderr).toBe(0);
    const sans = await execa('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', path.join(dir, 'certs/registry.crt')]);
    expect(sans.stdout).toMatch(/IP Address:127\.0\.0\.1, DNS:registry\.example\.test$/m);
    expect(parse(await readFile(path.join(dir, 'registry-setup.yml'), 'utf8'))).toMatchObject({ hosts: ['127.0.0.1', 'registry.example.test'], days: 90 });
    const again = await runCli(['renew', '--dir', dir, '--add-host', 'REGISTRY.example.test']);
    expect(again.stdout).toMatch(/^Nothing to do/);
  });

  it('a CA inside the window: status and renew say so plainly; the new certificate ends with the CA', async () => {
    const dir = await init('short-ca', ['--ca-days', '20', '--days', '10']);
    const status = await runCli(['status', '--dir', dir]);
    expect(status.exitCode).toBe(1);
    expect(status.stdout).toMatch(/• the CA \(ca\/ca\.crt\) expires on \d{4}-\d\d-\d\d; renew never replaces the CA/);
    const caBefore = await readFile(path.join(dir, 'ca/ca.crt'));
    const r = await runCli(['renew', '--dir', dir, '--days', '90']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning: the CA \(ca\/ca\.crt\) expires on .* To roll it over:/m);
    expect(r.stderr).toMatch(/^warning: the CA ends on .*, so the new certificate is cut to 19 days instead of 90$/m);
    expect(await readFile(path.join(dir, 'ca/ca.crt'))).toEqual(caBefore);
  });

  it('--reload runs the exact docker compose command in the bundle; without it, prints it', async () => {
    const docker = await fakeDocker();
    const tls = await copyBundle();
    const plain = await runCli(['renew', '--dir', tls, '--force'], { env: docker.env });
    expect(plain.stdout).toContain(`still serves the old certificate until you run:\n    cd ${tls} && docker compose kill -s HUP registry`);
    expect(await docker.calls()).toBe('');
    await new Promise((r) => setTimeout(r, 1000)); // backups are stamped to the second
    expect((await runCli(['renew', '--dir', tls, '--force', '--reload'], { env: docker.env })).exitCode).toBe(0);
    const proxy = await init('proxy', ['--mode', 'proxy']);
    expect((await runCli(['renew', '--dir', proxy, '--force', '--reload'], { env: docker.env })).exitCode).toBe(0);
    // tls: HUP to the registry's entry shell, between two looks at its processes (it restarts in place)
    expect(await docker.calls()).toBe(`${tls} compose top registry\n${tls} compose kill -s HUP registry\n${tls} compose top registry\n${proxy} compose exec -T nginx nginx -c /etc/registry-setup/.gen/current/nginx/registry.conf -s reload\n`);

    const failing = await fakeDocker(true);
    const r = await runCli(['renew', '--dir', await copyBundle(), '--force', '--reload'], { env: failing.env });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^registry-setup: renewed, but the reload failed \(no such service: registry\); run it yourself: cd .* && docker compose kill -s HUP registry$/);
  });

  it('--install-timer writes valid systemd units idempotently, or a cron entry that really renews', async () => {
    const dir = await copyBundle();
    const root = path.join(work, 'root-systemd');
    await mkdir(path.join(root, 'run/systemd/system'), { recursive: true });
    const first = await runCli(['renew', '--dir', dir, '--install-timer', '--root', root]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/installed +.*\.service\n.*installed +.*\.timer\n.*to enable it: systemctl daemon-reload && systemctl enable --now registry-setup-renew-case-\d+-[0-9a-f]{6}\.timer/);
    const unitDir = path.join(root, 'etc/systemd/system');
    const units = (await readdir(unitDir)).map((f) => path.join(unitDir, f));
    const verify = await execa('systemd-analyze', ['verify', ...units], { reject: false });
    expect(verify.exitCode, verify.stderr).toBe(0);
    const before = treeHash(root);
    expect((await runCli(['renew', '--dir', dir, '--install-timer', '--root', root])).stdout).toMatch(/unchanged .*\.service\n.*unchanged .*\.timer/);
    expect(treeHash(root)).toBe(before);

    const cronRoot = path.join(work, 'root-cron');
    expect((await runCli(['renew', '--dir', dir, '--install-timer', '--root', cronRoot])).exitCode).toBe(0);
    const [cronFile] = await readdir(path.join(cronRoot, 'etc/cron.d'));
    const line = (await readFile(path.join(cronRoot, 'etc/cron.d', cronFile!), 'utf8')).split('\n').find((l) => /^\d/.test(l))!;
    const command = line.replace(/^(\S+ ){5}root /, '').replace(/\\%/g, '%');
    const docker = await fakeDocker();
    const crtBefore = await readFile(path.join(dir, 'certs/registry.crt'));
    await execa('sh', ['-c', command], { env: docker.env, reject: false });
    expect(await readFile(path.join(dir, 'certs/registry.crt'))).not.toEqual(crtBefore);
    expect(await docker.calls()).toBe(`${dir} compose top registry\n${dir} compose kill -s HUP registry\n${dir} compose top registry\n`);
  });
});
