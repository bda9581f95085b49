import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { userAdd, userLs, userRm } from '../../src/commands/user/index.js';
import { GEN_DIR, LOCK_FILE, isGenerationName } from '../../src/bundle/layout.js';
import { planBundleFiles, REGISTRY_IMAGE } from '../../src/bundle/plan-files.js';
import { renderState, type BundleState } from '../../src/bundle/state.js';
import { acquireLock } from '../../src/io/bundle-lock.js';
import { createBundle } from '../../src/io/bundle-writer.js';
import { resolvedFiles, type WrittenFile } from '../../src/io/file-plan.js';
import { currentGeneration, parentOf } from '../../src/io/generations.js';
import { createOutput } from '../../src/io/output.js';
import type { Prompter } from '../../src/io/prompt.js';
import { parseHtpasswd, verifyPassword } from '../../src/render/htpasswd.js';

const state: BundleState = {
  version: 1, mode: 'tls', hosts: ['10.0.0.5'], port: 5000, days: 825, caDays: 3650, keyType: 'ecdsa',
  bcryptCost: 4, externalCa: false, image: REGISTRY_IMAGE, createdAt: '2026-01-01T00:00:00.000Z',
};
const ALICE = 'alice:$2y$05$abcdefghijklmnopqrstuu5Yb0VIlzJGxUPzVVQ4o3vQ8y5dLZ3tO\n';
const files = (s: BundleState = state, htpasswd: string | null = `# kept\n${ALICE}`): WrittenFile[] =>
  resolvedFiles(planBundleFiles(s, { caCertPem: 'CA\n', caKeyPem: 'CAKEY\n', certPem: 'CERT\n', keyPem: 'KEY\n', htpasswd: htpasswd ?? '' }))
    .filter((f) => htpasswd !== null || f.path !== 'auth/htpasswd');

let root: string;
let dir: string;
let stdout: string;
let stderr: string;
const sink = (add: (s: string) => void) => {
  const s = new PassThrough();
  s.on('data', (d) => add(String(d)));
  return s;
};
const out = (json = false) => createOutput({ json, stdout: sink((d) => (stdout += d)), stderr: sink((d) => (stderr += d)), env: {} });
const htpasswd = () => readFileSync(join(dir, 'auth/htpasswd'), 'utf8');
const generations = () => readdirSync(join(dir, GEN_DIR)).filter(isGenerationName);
const scripted = (answers: string[]): Prompter & { asked: string[] } => {
  const asked: string[] = [];
  const next = async (m: string) => (asked.push(m), answers.shift()!);
  return { asked, input: next, select: next, password: next, note: (line) => void asked.push(`note: ${line}`) };
};
async function bundle(bundleFiles = files()): Promise<string> {
  return (await createBundle(dir, bundleFiles, { now: new Date('2026-01-01T00:00:00Z'), random: (n) => new Uint8Array(n).fill(1) })).generation;
}

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'user-'));
  dir = join(root, 'reg');
  stdout = '';
  stderr = '';
  await bundle();
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('user add', () => {
  it('asks twice on a terminal, hashes at the recorded cost, keeps other lines, and commits a new generation', async () => {
    const before = currentGeneration(dir)!;
    const prompt = scripted(['first', 'typo', 'pw', 'pw']);
    await userAdd('bob', { dir }, { prompt, interactive: true, out: out() });
    expect(prompt.asked).toEqual(['Password for bob', 'Repeat the password for bob', 'note: The two passwords differ; try again.', 'Password for bob', 'Repeat the password for bob']);
    const bob = parseHtpasswd(htpasswd()).find((e) => e.user === 'bob')!;
    expect(bob.hash).toMatch(/^\$2[aby]\$04\$/);
    expect(verifyPassword('pw', bob.hash)).toBe(true);
    expect(htpasswd().startsWith(`# kept\n${ALICE}`)).toBe(true);
    expect(statSync(join(dir, 'auth/htpasswd')).mode & 0o777).toBe(0o644);
    // the old file is the previous generation's, kept as the backup
    expect(currentGeneration(dir)).not.toBe(before);
    expect(parentOf(dir, currentGeneration(dir)!)).toBe(before);
    expect(readFileSync(join(dir, GEN_DIR, before, 'auth/htpasswd'), 'utf8')).toBe(`# kept\n${ALICE}`);
    expect(readFileSync(join(dir, 'certs/registry.key'), 'utf8')).toBe('KEY\n');
    expect(stdout).toBe(`✔ Added bob in ${join(dir, 'auth/htpasswd')}; the registry re-reads the file when it changes, so no restart is needed.\n`);
    expect(stderr).toBe('');
  });

  it('reads --password-stdin without its newline; --generate prints the password once', async () => {
    await userAdd('bob', { dir, passwordStdin: true }, { readStdin: async () => 's3cret\n', out: out() });
    expect(verifyPassword('s3cret', parseHtpasswd(htpasswd())[1]!.hash)).toBe(true);
    stdout = '';
    await userAdd('carol', { dir, generate: true, json: true }, { out: out(true) });
    const doc = JSON.parse(stdout) as { user: string; action: string; password: string; converted: boolean };
    expect(doc).toEqual({ user: 'carol', action: 'added', password: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/), converted: false });
    expect(verifyPassword(doc.password, parseHtpasswd(htpasswd())[2]!.hash)).toBe(true);
  });

  it('refuses an existing user unless --update, which replaces it in place', async () => {
    await expect(userAdd('alice', { dir, generate: true }, { out: out() })).rejects.toThrow(expect.objectContaining({ exitCode: 1, message: expect.stringMatching(/already exists.*--update/) }));
    await userAdd('alice', { dir, passwordStdin: true, update: true }, { readStdin: async () => 'new', out: out() });
    const entries = parseHtpasswd(htpasswd());
    expect(entries.map((e) => e.user)).toEqual(['alice']);
    expect(verifyPassword('new', entries[0]!.hash)).toBe(true);
    expect(stdout).toMatch(/^✔ Changed the password of alice in /);
  });

  it.each([
    [{}, 'a:b', /^user name "a:b": a user name cannot contain ':'/],
    [{}, 'bob', /^missing --password-stdin: a password for bob \(no terminal/],
    [{ passwordStdin: true, generate: true }, 'bob', /exclude each other/],
    [{ dir: '' }, 'bob', /^--dir "" must name a directory/],
  ])('usage errors (%j %s) change nothing', async (flags, name, message) => {
    const before = currentGeneration(dir);
    await expect(userAdd(name, { dir, ...flags }, { interactive: false, out: out() })).rejects.toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(message) }));
    expect(htpasswd()).toBe(`# kept\n${ALICE}`);
    expect(currentGeneration(dir)).toBe(before);
    expect(generations()).toEqual([before]);
  });

  it('an insecure bundle has no users, and says why', async () => {
    rmSync(dir, { recursive: true });
    await bundle(files({ ...state, mode: 'insecure' }, null));
    await expect(userLs({ dir }, { out: out() })).rejects.toThrow(/insecure-mode bundle: plain HTTP carries no authentication/);
    await expect(userAdd('bob', { dir, generate: true }, { out: out() })).rejects.toThrow(/insecure-mode bundle/);
    expect(generations()).toHaveLength(1);
  });

  it('creates a missing htpasswd (0644)', async () => {
    rmSync(dir, { recursive: true });
    await bundle(files(state, null));
    expect(() => readFileSync(join(dir, 'auth/htpasswd'))).toThrow(/ENOENT/);
    await userAdd('bob', { dir, generate: true }, { out: out() });
    expect(parseHtpasswd(htpasswd()).map((e) => e.user)).toEqual(['bob']);
    expect(statSync(join(dir, 'auth/htpasswd')).mode & 0o777).toBe(0o644);
    expect(readlinkSync(join(dir, 'auth'))).toBe('.gen/current/auth');
  });

  it('waits for no one: while another command holds the bundle, it fails naming it and changes nothing', async () => {
    const lock = acquireLock(dir);
    try {
      const before = currentGeneration(dir);
      await expect(userAdd('bob', { dir, generate: true }, { out: out() })).rejects.toThrow(
        `another registry-setup command (pid ${process.pid}) is changing ${dir}; run this again when it has finished`,
      );
      expect(currentGeneration(dir)).toBe(before);
      expect(htpasswd()).toBe(`# kept\n${ALICE}`);
    } finally {
      lock.release();
    }
  });

  it("first removes an interrupted run's leftovers, saying so in one line", async () => {
    writeFileSync(join(dir, LOCK_FILE), `4194305\n${hostname()}\n`); // a killed command's, of a pid no process has
    await userAdd('bob', { dir, generate: true }, { out: out() });
    expect(stderr).toBe(`warning: an interrupted run left ${dir} unfinished (nothing it had committed is lost): removed .lock (of pid 4194305)\n`);
    expect(parseHtpasswd(htpasswd()).map((e) => e.user)).toEqual(['alice', 'bob']);
  });
});

describe('a bundle written before generations', () => {
  beforeEach(() => {
    rmSync(dir, { recursive: true });
    mkdirSync(join(dir, 'auth'), { recursive: true });
    mkdirSync(join(dir, 'certs'));
    writeFileSync(join(dir, 'registry-setup.yml'), renderState(state));
    writeFileSync(join(dir, 'auth/htpasswd'), `# kept\n${ALICE}`, { mode: 0o644 });
    writeFileSync(join(dir, 'certs/registry.key'), 'KEY\n', { mode: 0o600 });
    writeFileSync(join(dir, 'config.yml'), 'old config\n');
    writeFileSync(join(dir, 'docker-compose.yml'), 'services: { registry: { volumes: ["./certs:/certs:ro"] } }\n');
  });

  it('is converted by its first user change, which rewrites the container files and says to recreate the containers', async () => {
    await userAdd('bob', { dir, generate: true, json: true }, { out: out(true) });
    expect(JSON.parse(stdout)).toMatchObject({ user: 'bob', action: 'added', converted: true });
    expect(parseHtpasswd(htpasswd()).map((e) => e.user)).toEqual(['alice', 'bob']);
    const compose = parse(readFileSync(join(dir, 'docker-compose.yml'), 'utf8'));
    expect(compose.services.registry.volumes).toContain('./.gen:/etc/registry-setup/.gen:ro');
    expect(readFileSync(join(dir, 'config.yml'), 'utf8')).toContain('/etc/registry-setup/.gen/current/auth/htpasswd');
    expect(readFileSync(join(dir, 'certs/registry.key'), 'utf8')).toBe('KEY\n');
    // the old files are the adopted generation, kept as the backup; the old directories wait in .flat-*
    const previous = parentOf(dir, currentGeneration(dir)!)!;
    expect(readFileSync(join(dir, GEN_DIR, previous, 'config.yml'), 'utf8')).toBe('old config\n');
    expect(readdirSync(dir).filter((n) => n.startsWith('.flat-'))).toHaveLength(1);
  });

  it('tells a person to recreate the containers once', async () => {
    await userRm('alice', { dir }, { out: out() });
    expect(stdout).toBe(
      `✔ Removed alice from ${join(dir, 'auth/htpasswd')}; the bundle now keeps its files in generations, so recreate the containers once for this and every later change to apply: cd ${dir} && docker compose up -d.\n`,
    );
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
    const before = currentGeneration(dir);
    await expect(userRm('bob', { dir }, { out: out() })).rejects.toThrow(expect.objectContaining({ exitCode: 1, message: expect.stringMatching(/^no user bob in/) }));
    expect(currentGeneration(dir)).toBe(before);
    expect(generations()).toEqual([before]);
    await userRm('alice', { dir }, { out: out() });
    expect(htpasswd()).toBe('# kept\n');
    expect(stdout).toMatch(/^✔ Removed alice from .*; the registry re-reads the file when it changes, so no restart is needed: their next request gets 401\.\n$/);
    expect(stderr).toBe(`warning: no users are left in auth/htpasswd: nobody can log in until you add one\n`);
  });
});
