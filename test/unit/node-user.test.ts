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
import { renderAuthConfig } from '../../src/auth/auth-config.js';
import { readUsers } from '../../src/auth/user-store.js';

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
    expect(r.warning).toMatch(/^htpasswd has no roles, so the node user nodes can push and delete too/);
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
    const { editUsers, usersWith } = await import('../../src/auth/user-store.js');
    const user = { name: 'nodes', hash: '$2y$05$abcdefghijklmnopqrstuu5Yb0VIlzJGxUPzVVQ4o3vQ8y5dLZ3tO', role: 'admin' as const, repos: [] };
    await editUsers(dir, async (set) => ({ contents: usersWith(set, user), change: { action: 'added' } }));
    await expect(ensureNodeUser(dir)).rejects.toThrow(/a user nodes exists already, and the bundle does not keep its password/);
    expect(hashOf('nodes')).toBe('$2y$05$abcdefghijklmnopqrstuu5Yb0VIlzJGxUPzVVQ4o3vQ8y5dLZ3tO');
  });

  it('under token auth, makes a pull-only user of every repository, and puts back a role changed by hand', async () => {
    const token: BundleState = { ...state, auth: 'token', tokenService: 'registry-setup', authPort: 5001 };
    const admin = { name: 'alice', hash: ALICE.trim().split(':')[1]!, role: 'admin' as const, repos: [] };
    dir = join(root, 'token');
    const material = { caCertPem: 'CA\n', caKeyPem: 'CAKEY\n', certPem: 'CERT\n', keyPem: 'KEY\n', htpasswd: null, token: { authConfig: renderAuthConfig(token, [admin]), certPem: 'TC\n', keyPem: 'TK\n' } };
    await createBundle(dir, resolvedFiles(planBundleFiles(token, material)), { now: new Date(), random: (n) => new Uint8Array(n).fill(2) });
    const r = await ensureNodeUser(dir);
    const user = () => readUsers(dir).users.find((u) => u.name === r.login.user)!;
    expect(user()).toMatchObject({ role: 'pull', repos: [] });
    expect(r.warning).toBeUndefined(); // pull-only, and the realm (no stack here) was not asked
    expect(verifyPassword(r.login.password, user().hash)).toBe(true);
    const { addUserWithRole } = await import('../../src/auth/user-store.js');
    await addUserWithRole(dir, { name: r.login.user, password: r.login.password, role: 'push', update: true });
    expect(await ensureNodeUser(dir)).toEqual({ login: r.login, action: 'restored' });
    expect(user()).toMatchObject({ role: 'pull', repos: [] });
  });
});
