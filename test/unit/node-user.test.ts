import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureNodeUser } from '../../src/commands/user/node-user.js';
import { userRm } from '../../src/commands/user/index.js';
import { GEN_DIR, isGenerationName } from '../../src/bundle/layout.js';
import { planBundleFiles, REGISTRY_IMAGE, renderCompose } from '../../src/bundle/plan-files.js';
import type { BundleState } from '../../src/bundle/state.js';
import { createBundle } from '../../src/io/bundle-writer.js';
import { resolvedFiles } from '../../src/io/file-plan.js';
import { createOutput } from '../../src/io/output.js';
import { parseHtpasswd, verifyPassword } from '../../src/render/htpasswd.js';

const state: BundleState = {
  version: 1, mode: 'tls', hosts: ['10.0.0.5'], port: 5000, days: 825, caDays: 3650, keyType: 'ecdsa',
  bcryptCost: 4, externalCa: false, image: REGISTRY_IMAGE, createdAt: '2026-01-01T00:00:00.000Z',
};
const ALICE = 'alice:$2y$05$abcdefghijklmnopqrstuu5Yb0VIlzJGxUPzVVQ4o3vQ8y5dLZ3tO\n';
let root: string;
let dir: string;
const generations = () => readdirSync(join(dir, GEN_DIR)).filter(isGenerationName);
const hashOf = (user: string) => parseHtpasswd(readFileSync(join(dir, 'auth/htpasswd'), 'utf8')).find((e) => e.user === user)?.hash;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'node-user-'));
  dir = join(root, 'reg');
  const files = resolvedFiles(planBundleFiles(state, { caCertPem: 'CA\n', caKeyPem: 'CAKEY\n', certPem: 'CERT\n', keyPem: 'KEY\n', htpasswd: ALICE }));
  await createBundle(dir, files, { now: new Date('2026-01-01T00:00:00Z'), random: (n) => new Uint8Array(n).fill(1) });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('ensureNodeUser (trust-node --login-generate, k8s-secret --generate)', () => {
  it('makes the user and keeps its login, 0600, in a store of its own, in one commit', async () => {
    const before = generations().length;
    const r = await ensureNodeUser(dir);
    expect(r.action).toBe('created');
    expect(generations().length).toBe(before + 1);
    expect(verifyPassword(r.login.password, hashOf(r.login.user)!)).toBe(true);
    expect(hashOf('alice')).toBeDefined();
    const kept = join(dir, 'node-login/login.json');
    expect(JSON.parse(readFileSync(kept, 'utf8'))).toEqual(r.login);
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    // Outside .gen (which every container mounts), like the CA: a store no compose volume names.
    expect(readlinkSync(join(dir, GEN_DIR, 'current', 'node-login'))).toMatch(/^\.\.\/\.\.\/\.node-login\//);
    expect(lstatSync(join(dir, '.node-login')).mode & 0o777).toBe(0o700);
    expect(renderCompose(state)).not.toContain('.node-login');
  });

  it('gives the same login again with no commit, and puts the user back if it was removed', async () => {
    const first = await ensureNodeUser(dir);
    const gens = generations();
    expect(await ensureNodeUser(dir)).toEqual({ login: first.login, action: 'kept' });
    expect(generations()).toEqual(gens);
    await userRm(first.login.user, { dir }, { out: createOutput({ stdout: process.stderr }) });
    expect(await ensureNodeUser(dir)).toEqual({ login: first.login, action: 'restored' });
    expect(verifyPassword(first.login.password, hashOf(first.login.user)!)).toBe(true);
  });

  it("never overwrites a user of that name whose password the bundle does not keep", async () => {
    const { setHtpasswdUser } = await import('../../src/render/htpasswd-edit.js');
    const { editUsers } = await import('../../src/commands/user/index.js');
    await editUsers(dir, async (auth) => setHtpasswdUser(auth.text ?? '', 'nodes', '$2y$05$abcdefghijklmnopqrstuu5Yb0VIlzJGxUPzVVQ4o3vQ8y5dLZ3tO'));
    await expect(ensureNodeUser(dir)).rejects.toThrow(/a user nodes exists already, and the bundle does not keep its password/);
    expect(hashOf('nodes')).toBe('$2y$05$abcdefghijklmnopqrstuu5Yb0VIlzJGxUPzVVQ4o3vQ8y5dLZ3tO');
  });
});
