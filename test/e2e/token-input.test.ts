import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli, treeHash } from './support/cli.js';

/** Bad input to token auth and roles, through the built CLI: the exit code, one line, and nothing written. */
const work = mkdtempSync(join(tmpdir(), 'rs-token-input-'));
let htpasswdBundle: string;
let tokenBundle: string;

function expectOneLine(r: CliResult, code: number, message: RegExp): void {
  expect(r.exitCode, r.stderr).toBe(code);
  expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^registry-setup: /)]);
  expect(r.stderr).toMatch(message);
}

async function init(name: string, extra: string[]): Promise<string> {
  const dir = join(work, name);
  const r = await runCli(['init', '--dir', dir, '--yes', '--host', '127.0.0.1', ...extra]);
  expect(r.exitCode, r.stderr).toBe(0);
  return dir;
}

describe('bad input to token auth and roles', () => {
  beforeAll(async () => {
    htpasswdBundle = await init('htpasswd', []);
    tokenBundle = await init('token', ['--auth', 'token']);
  }, 60_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('token auth in insecure mode: exit 2, one line, no bundle', async () => {
    const dir = join(work, 'insecure');
    const r = await runCli(['init', '--dir', dir, '--yes', '--host', '127.0.0.1', '--mode', 'insecure', '--auth', 'token']);
    expectOneLine(r, 2, /--auth token cannot be used with --mode insecure/);
    expect(existsSync(dir)).toBe(false);
  });

  it.each([
    ['an unknown role', () => tokenBundle, ['--role', 'owner'], /--role "owner" is not one of: pull, push, admin/],
    ['a bad repository glob', () => tokenBundle, ['--role', 'pull', '--repo', '/team-.*/'], /--repo "\/team-\.\*\/" must be a repository name or glob/],
    ['a new token user with no role', () => tokenBundle, [], /missing --role: pull, push or admin/],
    ['--repo with htpasswd', () => htpasswdBundle, ['--repo', 'team-a/*'], /--repo needs token auth: re-run init with --auth token/],
    ['a role other than admin with htpasswd', () => htpasswdBundle, ['--role', 'pull'], /--role pull needs token auth: re-run init with --auth token/],
  ])('%s: exit 2, one line, nothing written', async (_what, dir, flags, message) => {
    const before = treeHash(dir());
    const r = await runCli(['user', 'add', 'ci', '--dir', dir(), ...flags, '--password-stdin'], { input: 'pw\n' });
    expectOneLine(r, 2, message);
    expect(treeHash(dir())).toBe(before);
  });

  it('init\'s user is an admin of every repository; user ls shows roles and scopes', async () => {
    const add = await runCli(['user', 'add', 'ci', '--dir', tokenBundle, '--role', 'push', '--repo', 'team-a/*', '--repo', 'team-b/*', '--password-stdin'], { input: 'pw\n' });
    expect(add.exitCode, add.stderr).toBe(0);
    expect((await runCli(['user', 'ls', '--dir', tokenBundle])).stdout).toBe('admin  admin  every repository\nci     push   team-a/*, team-b/*');
    const json = JSON.parse((await runCli(['user', 'ls', '--json', '--dir', tokenBundle])).stdout);
    expect(json).toEqual([{ name: 'admin', role: 'admin', repos: [] }, { name: 'ci', role: 'push', repos: ['team-a/*', 'team-b/*'] }]);
  });

  it('renew renews the token certificate with the server\'s, from the same CA, keeping the signing key', async () => {
    const read = (rel: string) => readFileSync(join(tokenBundle, rel), 'utf8');
    const [certBefore, keyBefore] = [read('auth/token.crt'), read('token/token.key')];
    const r = await runCli(['renew', '--force', '--dir', tokenBundle]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read('auth/token.crt')).not.toBe(certBefore);
    expect(read('token/token.key')).toBe(keyBefore);
    const cert = new X509Certificate(read('auth/token.crt'));
    expect(cert.checkIssued(new X509Certificate(read('ca/ca.crt')))).toBe(true);
    expect(cert.serialNumber).not.toBe(new X509Certificate(certBefore).serialNumber);
    const status = JSON.parse((await runCli(['status', '--json', '--dir', tokenBundle])).stdout);
    expect(status).toMatchObject({ auth: 'token', tokenSigner: { trustedMatchesKey: true, cert: { verdict: 'ok' } } });
  });
});
