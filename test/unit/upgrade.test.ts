import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { planBundleFiles, renderCompose } from '../../src/bundle/plan-files.js';
import { BUNDLE_FILES, renderState, type BundleState } from '../../src/bundle/state.js';
import { planUpgrade } from '../../src/commands/upgrade/plan.js';
import { upgrade } from '../../src/commands/upgrade/index.js';
import { createBundle } from '../../src/io/bundle-writer.js';
import { resolvedFiles } from '../../src/io/file-plan.js';
import { sha256 } from '../../src/io/generations.js';
import { createOutput } from '../../src/io/output.js';
import { diffLines } from '../../src/render/line-diff.js';
import { fakeStack } from './support/fake-stack.js';

const old: BundleState = {
  version: 1, mode: 'proxy', hosts: ['10.0.0.5'], port: 443, days: 825, caDays: 3650, keyType: 'ecdsa',
  bcryptCost: 5, externalCa: false, image: 'registry:3.0.0', createdAt: '2026-01-01T00:00:00.000Z',
};
const PINNED = 'registry:3.1.1';
const written = (state: BundleState) => Object.fromEntries(planBundleFiles(state, { caCertPem: 'x', caKeyPem: 'x', certPem: 'x', keyPem: 'x', htpasswd: 'x' }).map((f) => [f.path, f.contents]));

/** The plan for a bundle whose files are `files`, with `recorded` hashes. */
const plan = (files: Record<string, string | null>, recorded: Record<string, string>, state = old) =>
  planUpgrade({ state, current: (p) => files[p] ?? null, recorded, pinned: PINNED });
const hashes = (files: Record<string, string | null>) => Object.fromEntries(Object.entries(files).filter(([p]) => p !== BUNDLE_FILES.state).map(([p, c]) => [p, sha256(c!)]));
const statusOf = (p: ReturnType<typeof plan>) => Object.fromEntries(p.files.map((f) => [f.path, f.status]));

describe('planUpgrade', () => {
  const files = written(old);

  it('moves the pin: the compose file and the record change, nothing else', () => {
    const p = plan(files, hashes(files));
    expect(p.image).toEqual({ from: 'registry:3.0.0', to: PINNED });
    expect(statusOf(p)).toEqual({ 'config.yml': 'unchanged', 'docker-compose.yml': 'update', 'nginx/registry.conf': 'unchanged', 'registry-setup.yml': 'update' });
    expect(p.files.find((f) => f.path === 'docker-compose.yml')!.diff.lines).toEqual(['-     image: registry:3.0.0', '+     image: registry:3.1.1']);
    expect(p.images).toEqual([PINNED, 'nginx:1.27-alpine']);
  });

  it('a generated file edited by hand is told apart from one registry-setup wrote', () => {
    const edited = { ...files, 'docker-compose.yml': `${files['docker-compose.yml']}    # mine\n` };
    const p = plan(edited, hashes(files));
    expect(statusOf(p)['docker-compose.yml']).toBe('edited');
    expect(p.files.find((f) => f.path === 'docker-compose.yml')!.diff.lines).toContain('-     # mine');
  });

  it('a file with no recorded hash (a bundle from before) is replaced, not refused', () => {
    const edited = { ...files, 'docker-compose.yml': `${files['docker-compose.yml']}    # mine\n` };
    const p = plan(edited, {});
    expect(statusOf(p)['docker-compose.yml']).toBe('update');
    expect(p.files.every((f) => !f.recorded)).toBe(true);
  });

  it('the record is data, re-rendered with every value kept, so a hand edit there is never refused', () => {
    const p = plan({ ...files, [BUNDLE_FILES.state]: `${renderState(old)}# a note\n` }, { ...hashes(files), [BUNDLE_FILES.state]: sha256(renderState(old)) });
    expect(statusOf(p)[BUNDLE_FILES.state]).toBe('update');
  });

  it('already current: nothing to do', () => {
    const current = written({ ...old, image: PINNED });
    expect(Object.values(statusOf(plan(current, hashes(current), { ...old, image: PINNED })))).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });

  it('a missing file is written', () => {
    expect(statusOf(plan({ ...files, 'nginx/registry.conf': null }, hashes(files)))['nginx/registry.conf']).toBe('create');
  });
});

describe('diffLines', () => {
  it('lists removed and added lines in file order', () => {
    expect(diffLines('a\nb\nc\nd', 'a\nB\nc\nd\ne')).toEqual(['- b', '+ B', '+ e']);
    expect(diffLines('same', 'same')).toEqual([]);
  });
});

describe('upgrade --reload', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const sink = () => {
    let text = '';
    return { stream: new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) }), text: () => text };
  };
  async function oldBundle(): Promise<string> {
    const dir = join(mkdtempSync(join(tmpdir(), 'rs-upgrade-')), 'b');
    roots.push(dir);
    await createBundle(dir, resolvedFiles(planBundleFiles(old, { caCertPem: 'CA\n', caKeyPem: 'K\n', certPem: 'C\n', keyPem: 'K\n', htpasswd: 'a:$2y$05$x\n' })), { now: new Date(), random: (n) => randomBytes(n) });
    return dir;
  }

  it('offline, a failed pull is fine when the images are here: it says so, then recreates', async () => {
    const dir = await oldBundle();
    const stack = fakeStack({ dir });
    stack.pull = () => (stack.calls.push('pull'), { exitCode: 1, stdout: '', stderr: 'Get https://registry-1.docker.io/v2/: dial tcp: lookup registry-1.docker.io: no such host' });
    const err = sink();
    await upgrade({ dir, reload: true }, { out: createOutput({ stdout: sink().stream, stderr: err.stream }), stack: () => stack });
    expect(stack.calls).toEqual(['pull', `image ${PINNED}`, 'image nginx:1.27-alpine', 'up']);
    expect(err.text()).toMatch(/warning: docker compose pull failed \(.*no such host\); registry:3\.1\.1 and nginx:1\.27-alpine are already here, so the containers were made from them/);
    expect(readFileSync(join(dir, 'docker-compose.yml'), 'utf8')).toBe(renderCompose({ ...old, image: PINNED }));
  });

  it('a failed pull of an image that is not here: the upgrade stays committed, nothing is recreated, and it says what to run', async () => {
    const dir = await oldBundle();
    const stack = fakeStack({ dir });
    stack.pull = () => ({ exitCode: 1, stdout: '', stderr: 'no such host' });
    stack.imagePresent = (image) => image !== PINNED;
    await expect(upgrade({ dir, reload: true }, { out: createOutput({ stdout: sink().stream, stderr: sink().stream }), stack: () => stack })).rejects
      .toThrow(/the bundle is upgraded, but docker compose pull failed \(no such host\) and registry:3\.1\.1 is not on this host.*docker compose up -d/);
    expect(stack.calls).not.toContain('up');
    expect(readFileSync(join(dir, 'registry-setup.yml'), 'utf8')).toContain(PINNED);
  });

  it('refuses a hand-edited compose file with what would change, and writes nothing', async () => {
    const dir = await oldBundle();
    writeFileSync(join(dir, 'docker-compose.yml'), `${readFileSync(join(dir, 'docker-compose.yml'), 'utf8')}# my change\n`);
    const err = sink();
    await expect(upgrade({ dir }, { out: createOutput({ stdout: sink().stream, stderr: err.stream }) })).rejects.toThrow(/docker-compose\.yml was edited by hand .*Pass --force/);
    expect(err.text()).toMatch(/docker-compose\.yml was edited by hand since registry-setup wrote it; upgrade would change it like this \(\+1 -2 lines\):\n {4}- {5}image: registry:3\.0\.0\n {4}\+ {5}image: registry:3\.1\.1\n {4}- # my change/);
    expect(readFileSync(join(dir, 'registry-setup.yml'), 'utf8')).toContain('registry:3.0.0');
  });
});
