import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userAdd, userLs, userRm } from '../../src/commands/user.js';
import { renderState, type BundleState } from '../../src/bundle/state.js';
import { createOutput } from '../../src/io/output.js';
import type { Prompter } from '../../src/io/prompt.js';
import { parseHtpasswd, verifyPassword } from '../../src/render/htpasswd.js';

const state: BundleState = {
  version: 1, mode: 'tls', hosts: ['10.0.0.5'], port: 5000, days: 825, caDays: 3650, keySize: 2048, caKeySize: 4096,
  bcryptCost: 4, externalCa: false, image: 'registry:3.0.0', createdAt: '2026-01-01T00:00:00.000Z',
};

let dir: string;
let stdout: string;
const capture = () => {
  const s = new PassThrough();
  s.on('data', (d) => (stdout += d));
  return s;
};
const out = (json = false) => createOutput({ json, stdout: capture(), stderr: new PassThrough(), env: {} });
const htpasswd = () => readFileSync(join(dir, 'auth/htpasswd'), 'utf8');
const scripted = (answers: string[]): Prompter & { asked: string[] } => {
  const asked: string[] = [];
  const next = async (m: string) => (asked.push(m), answers.shift()!);
  return { asked, input: next, select: next, password: next, note: (line) => void asked.push(`note: ${line}`) };
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'user-'));
  stdout = '';
  mkdirSync(join(dir, 'auth'));
  writeFileSync(join(dir, 'registry-setup.yml'), renderState(state));
  writeFileSync(join(dir, 'auth/htpasswd'), '# kept\nalice:$2y$05$abcdefghijklmnopqrstuu5Yb0VIlzJGxUPzVVQ4o3vQ8y5dLZ3tO\n', { mode: 0o640 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('user add', () => {
  it('asks twice on a terminal, hashes at the recorded cost, keeps other lines and the mode', async () => {
    const prompt = scripted(['first', 'typo', 'pw', 'pw']);
    await userAdd('bob', { dir }, { prompt, interactive: true, out: out() });
    expect(prompt.asked).toEqual(['Password for bob', 'Repeat the password for bob', 'note: The two passwords differ; try again.', 'Password for bob', 'Repeat the password for bob']);
    const bob = parseHtpasswd(htpasswd()).find((e) => e.user === 'bob')!;
    expect(bob.hash).toMatch(/^\$2[aby]\$04\$/);
    expect(verifyPassword('pw', bob.hash)).toBe(true);
    expect(htpasswd().startsWith('# kept\nalice:')).toBe(true);
    expect(statSync(join(dir, 'auth/htpasswd')).mode & 0o777).toBe(0o640);
    expect(stdout).toMatch(/Added bob .* no restart is needed/);
  });

  it('reads --password-stdin without its newline; --generate prints the password once', async () => {
    await userAdd('bob', { dir, passwordStdin: true }, { readStdin: async () => 's3cret\n', out: out() });
    expect(verifyPassword('s3cret', parseHtpasswd(htpasswd())[1]!.hash)).toBe(true);
    stdout = '';
    await userAdd('carol', { dir, generate: true, json: true }, { out: out(true) });
    const { password } = JSON.parse(stdout) as { password: string };
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(verifyPassword(password, parseHtpasswd(htpasswd())[2]!.hash)).toBe(true);
  });

  it('refuses an existing user unless --update, which replaces it in place', async () => {
    await expect(userAdd('alice', { dir, generate: true }, { out: out() })).rejects.toThrow(expect.objectContaining({ exitCode: 1, message: expect.stringMatching(/already exists.*--update/) }));
    await userAdd('alice', { dir, passwordStdin: true, update: true }, { readStdin: async () => 'new', out: out() });
    const entries = parseHtpasswd(htpasswd());
    expect(entries.map((e) => e.user)).toEqual(['alice']);
    expect(verifyPassword('new', entries[0]!.hash)).toBe(true);
  });

  it.each([
    [{}, 'a:b', /^user name "a:b": a user name cannot contain ':'/],
    [{}, 'bob', /^missing --password-stdin: a password for bob \(no terminal/],
    [{ passwordStdin: true, generate: true }, 'bob', /exclude each other/],
  ])('usage errors (%j %s) change nothing', async (flags, name, message) => {
    const before = htpasswd();
    await expect(userAdd(name, { dir, ...flags }, { interactive: false, out: out() })).rejects.toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(message) }));
    expect(htpasswd()).toBe(before);
  });

  it('an insecure bundle has no users, and says why', async () => {
    writeFileSync(join(dir, 'registry-setup.yml'), renderState({ ...state, mode: 'insecure' }));
    await expect(userLs({ dir }, { out: out() })).rejects.toThrow(/insecure-mode bundle: plain HTTP carries no authentication/);
  });

  it('creates a missing htpasswd (0644)', async () => {
    rmSync(join(dir, 'auth'), { recursive: true });
    await userAdd('bob', { dir, generate: true }, { out: out() });
    expect(statSync(join(dir, 'auth/htpasswd')).mode & 0o777).toBe(0o644);
  });
});

describe('user rm and ls', () => {
  it('lists names only, never hashes', async () => {
    await userLs({ dir }, { out: out() });
    expect(stdout).toBe('alice\n');
    stdout = '';
    await userLs({ dir, json: true }, { out: out(true) });
    expect(JSON.parse(stdout)).toEqual(['alice']);
  });

  it('removes a user; an unknown one is an error that changes nothing', async () => {
    await expect(userRm('bob', { dir }, { out: out() })).rejects.toThrow(expect.objectContaining({ exitCode: 1, message: expect.stringMatching(/^no user bob in/) }));
    await userRm('alice', { dir }, { out: out() });
    expect(htpasswd()).toBe('# kept\n');
  });
});
