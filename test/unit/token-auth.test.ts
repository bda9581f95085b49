import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { aclFor, parseRepoGlob, type TokenUser } from '../../src/auth/roles.js';
import { renderAuthConfig, tokenRealm } from '../../src/auth/auth-config.js';
import { parseAuthUsers } from '../../src/auth/auth-users.js';
import { addUserWithRole, checkAddUser, readUsers, removeUser } from '../../src/auth/user-store.js';
import { assessTokenSigner } from '../../src/auth/token-status.js';
import { nudgeTokenServer } from '../../src/auth/live-reload.js';
import { planBundleFiles, renderCompose, renderNginx, REGISTRY_IMAGE } from '../../src/bundle/plan-files.js';
import { parseState } from '../../src/bundle/read-state.js';
import { renderState, type BundleState } from '../../src/bundle/state.js';
import { GEN_DIR, isGenerationName } from '../../src/bundle/layout.js';
import { FailError, UsageError } from '../../src/errors.js';
import { createBundle } from '../../src/io/bundle-writer.js';
import { resolvedFiles } from '../../src/io/file-plan.js';
import { issueCa, issueTokenSigner } from '../../src/pki/issue.js';
import { generateKeyPair } from '../../src/pki/keys.js';
import { verifyPassword } from '../../src/render/htpasswd.js';

const base: BundleState = {
  version: 1, mode: 'tls', hosts: ['10.0.0.5', 'reg.lan'], port: 5000, days: 825, caDays: 3650, keyType: 'ecdsa',
  bcryptCost: 4, externalCa: false, image: REGISTRY_IMAGE, createdAt: '2026-01-01T00:00:00.000Z',
};
const token: BundleState = { ...base, auth: 'token', tokenService: 'registry-setup', authPort: 5001 };
const HASH = '$2y$04$abcdefghijklmnopqrstuu5Yb0VIlzJGxUPzVVQ4o3vQ8y5dLZ3tO';
const admin: TokenUser = { name: 'admin', hash: HASH, role: 'admin', repos: [] };

describe('roles as docker_auth ACL entries', () => {
  it('pull reads, push reads and writes, admin does everything and lists the catalog; --repo limits by glob', () => {
    expect(aclFor([
      admin,
      { name: 'ci', hash: HASH, role: 'push', repos: ['team-a/*', 'team-b/*'] },
      { name: 'node', hash: HASH, role: 'pull', repos: [] },
      { name: 'lead', hash: HASH, role: 'admin', repos: ['team-a/*'] },
    ])).toEqual([
      { match: { account: 'admin', type: 'repository' }, actions: ['*'] },
      { match: { account: 'admin', type: 'registry', name: 'catalog' }, actions: ['*'] },
      { match: { account: 'ci', type: 'repository', name: 'team-a/*' }, actions: ['pull', 'push'] },
      { match: { account: 'ci', type: 'repository', name: 'team-b/*' }, actions: ['pull', 'push'] },
      { match: { account: 'node', type: 'repository' }, actions: ['pull'] },
      // a scoped admin gets no catalog: it would list repositories outside its scope
      { match: { account: 'lead', type: 'repository', name: 'team-a/*' }, actions: ['*'] },
    ]);
  });

  it.each(['/team-a/', 'Team/x', 'team-a/', 'a//b', '[ab]/x', ''])('refuses the glob %j', (glob) => {
    expect(() => parseRepoGlob(glob)).toThrow(UsageError);
  });
});

describe('auth_config.yml', () => {
  it('holds the token section docker_auth needs and reads back the users it was rendered from', () => {
    const users: TokenUser[] = [admin, { name: 'ci', hash: HASH, role: 'push', repos: ['team-a/*'] }];
    const text = renderAuthConfig(token, users);
    const doc = parse(text);
    expect(doc.token).toMatchObject({ issuer: 'registry-setup', expiration: 900, disable_legacy_key_id: true });
    expect(doc.token.key).toBe('/etc/registry-setup/.gen/current/token/token.key');
    expect(doc.server).toMatchObject({ addr: ':5001', certificate: '/etc/registry-setup/.gen/current/certs/registry.crt' });
    expect(doc.acl).toEqual(aclFor(users));
    expect(parseAuthUsers(text, 'f')).toEqual(users);
    // proxy mode: plain HTTP on the compose network, behind nginx
    expect(parse(renderAuthConfig({ ...token, mode: 'proxy', port: 443, authPort: undefined }, [])).server).toEqual({ addr: ':5001' });
    expect(parse(renderAuthConfig(token, []))).toMatchObject({ users: {}, acl: [] });
  });

  it('a hand-broken user fails with one line naming the file and the user', () => {
    const text = renderAuthConfig(token, [admin]).replace('"admin"]', '"root"]');
    expect(() => parseAuthUsers(text, 'auth_config.yml')).toThrow(/^auth_config.yml: users.admin: labels.role "root" is not one of: pull, push, admin$/);
  });

  it('the realm is docker_auth\'s own port in tls mode and /auth on the same origin in proxy mode', () => {
    expect(tokenRealm(token)).toBe('https://10.0.0.5:5001/auth');
    expect(tokenRealm({ ...token, mode: 'proxy', port: 443, authPort: undefined })).toBe('https://10.0.0.5/auth');
  });
});

describe('the bundle with token auth', () => {
  const material = { caCertPem: 'CA\n', caKeyPem: 'CAKEY\n', certPem: 'C\n', keyPem: 'K\n', htpasswd: null, token: { authConfig: 'users: {}\n', certPem: 'TC\n', keyPem: 'TK\n' } };

  it('puts the key in the .token store (0600) and the certificate beside the config, and no htpasswd', () => {
    const files = planBundleFiles(token, material);
    expect(files.map((f) => [f.path, f.mode.toString(8)])).toEqual(expect.arrayContaining([
      ['auth/auth_config.yml', '644'], ['auth/token.crt', '644'], ['token/token.key', '600'],
    ]));
    expect(files.some((f) => f.path === 'auth/htpasswd')).toBe(false);
    const config = parse(files.find((f) => f.path === 'config.yml')!.contents!);
    expect(config.auth).toEqual({ token: {
      realm: 'https://10.0.0.5:5001/auth', service: 'registry-setup', issuer: 'registry-setup',
      rootcertbundle: '/etc/registry-setup/.gen/current/auth/token.crt',
    } });
  });

  it('mounts .token only into auth, and the .gen directory (not a file) so a new generation is seen', () => {
    for (const mode of ['tls', 'proxy'] as const) {
      const services = parse(renderCompose({ ...token, mode, ...(mode === 'proxy' && { port: 443, authPort: undefined }) })).services;
      for (const [name, svc] of Object.entries(services as Record<string, { volumes: string[] }>)) {
        expect(svc.volumes.some((v) => v.startsWith('./.token:')), name).toBe(name === 'auth');
      }
      expect(services.auth.image).toBe('cesanta/docker_auth:1.14.0');
      expect(services.auth.volumes).toContain('./.gen:/etc/registry-setup/.gen:ro');
      expect(services.auth.ports).toEqual(mode === 'tls' ? ['5001:5001'] : undefined);
    }
  });

  it('nginx routes /auth to docker_auth and leaves /v2/ to the registry\'s token check', () => {
    const conf = renderNginx({ ...token, mode: 'proxy', port: 443, authPort: undefined });
    expect(conf).toMatch(/location = \/auth \{\s+proxy_pass http:\/\/auth:5001;/);
    expect(conf).not.toContain('auth_basic');
  });

  it('the record keeps the auth kind and service; token auth in insecure mode is refused', () => {
    expect(parseState(renderState(token), 'x')).toEqual(token);
    expect(() => parseState(renderState({ ...token, mode: 'insecure' }), 'r.yml')).toThrow(/^r.yml: auth "token" cannot be used with mode "insecure"/);
    expect(() => parseState(renderState({ ...token, tokenService: 'a"b' }), 'r.yml')).toThrow(/^r.yml: tokenService/);
  });
});

describe('users with roles', () => {
  let root: string;
  let dir: string;
  const make = async (state: BundleState, material: Parameters<typeof planBundleFiles>[1]) =>
    createBundle(dir, resolvedFiles(planBundleFiles(state, material)), { now: new Date(), random: (n) => new Uint8Array(n).fill(7) });
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'token-users-'));
    dir = join(root, 'reg');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('adds, updates and removes token users in auth_config.yml, one generation each', async () => {
    await make(token, { caCertPem: 'CA\n', caKeyPem: 'K\n', certPem: 'C\n', keyPem: 'K\n', htpasswd: null, token: { authConfig: renderAuthConfig(token, [admin]), certPem: 'TC\n', keyPem: 'TK\n' } });
    expect(() => checkAddUser(readUsers(dir), { name: 'ci' })).toThrow(/^missing --role: pull, push or admin/);
    await addUserWithRole(dir, { name: 'ci', password: 'ci-pw', role: 'push', repos: ['team-a/*'] });
    await addUserWithRole(dir, { name: 'ci', password: 'ci-pw2', update: true }); // keeps role and repos
    const ci = readUsers(dir).users.find((u) => u.name === 'ci')!;
    expect(ci).toMatchObject({ role: 'push', repos: ['team-a/*'] });
    expect(verifyPassword('ci-pw2', ci.hash)).toBe(true);
    await expect(addUserWithRole(dir, { name: 'ci', password: 'x', role: 'pull' })).rejects.toThrow(/already exists in auth\/auth_config.yml; pass --update/);
    const change = await removeUser(dir, 'ci');
    expect(change).toMatchObject({ action: 'removed', auth: 'token', left: ['admin'] });
    expect(readUsers(dir).users.map((u) => u.name)).toEqual(['admin']);
    expect(readdirSync(join(dir, GEN_DIR)).filter(isGenerationName)).toHaveLength(4);
    expect(statSync(join(dir, 'token/token.key')).mode & 0o777).toBe(0o600);
  });

  it('with htpasswd, refuses any role but admin and any --repo, saying to re-run init with --auth token', async () => {
    await make(base, { caCertPem: 'CA\n', caKeyPem: 'K\n', certPem: 'C\n', keyPem: 'K\n', htpasswd: '' });
    const set = readUsers(dir);
    for (const req of [{ name: 'x', role: 'push' as const }, { name: 'x', role: 'pull' as const }, { name: 'x', repos: ['team-a/*'] }]) {
      const err = (() => { try { checkAddUser(set, req); } catch (e) { return e as Error; } return null; })();
      expect(err).toBeInstanceOf(UsageError);
      expect(err!.message).toMatch(/needs token auth: re-run init with --auth token/);
    }
    await expect(addUserWithRole(dir, { name: 'x', password: 'p', role: 'pull' })).rejects.toThrow(UsageError);
    expect(readFileSync(join(dir, 'auth/htpasswd'), 'utf8')).toBe('');
    await addUserWithRole(dir, { name: 'x', password: 'p', role: 'admin' }); // what htpasswd users are anyway
    expect(readUsers(dir).users).toMatchObject([{ name: 'x', role: 'admin', repos: [] }]);
  });

  it('nudging docker_auth writes every kept config back byte for byte', async () => {
    const text = renderAuthConfig(token, [admin]);
    await make(token, { caCertPem: 'CA\n', caKeyPem: 'K\n', certPem: 'C\n', keyPem: 'K\n', htpasswd: null, token: { authConfig: text, certPem: 'TC\n', keyPem: 'TK\n' } });
    await addUserWithRole(dir, { name: 'ci', password: 'p', role: 'pull' });
    const gens = readdirSync(join(dir, GEN_DIR)).filter(isGenerationName);
    const before = gens.map((g) => readFileSync(join(dir, GEN_DIR, g, 'auth/auth_config.yml'), 'utf8'));
    expect(nudgeTokenServer(dir)).toBe(2);
    expect(gens.map((g) => readFileSync(join(dir, GEN_DIR, g, 'auth/auth_config.yml'), 'utf8'))).toEqual(before);
    expect(before[0] === text || before[1] === text).toBe(true);
  });
});

describe('the token signer in status', () => {
  it('reports expiry, and whether the certificate the registry trusts holds docker_auth\'s key', async () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const caKeys = await generateKeyPair({ type: 'ecdsa' });
    const caCertPem = issueCa({ keys: caKeys, commonName: 'ca', days: 3650, now, serial: new Uint8Array(16).fill(3) });
    const ca = { certPem: caCertPem, keyPem: caKeys.privateKeyPem };
    const [k1, k2] = await Promise.all([generateKeyPair({ type: 'rsa', bits: 2048 }), generateKeyPair({ type: 'rsa', bits: 2048 })]);
    const cert = (key: { publicKeyPem: string }, days: number) => issueTokenSigner({ ca, publicKeyPem: key.publicKeyPem, commonName: 't', days, now, serial: new Uint8Array(16).fill(5) });
    const ok = assessTokenSigner({ certPem: cert(k1, 825), keyPem: k1.privateKeyPem }, now, 30);
    expect(ok).toMatchObject({ trustedMatchesKey: true, problems: [], cert: { verdict: 'ok', daysLeft: 825 } });
    const wrong = assessTokenSigner({ certPem: cert(k2, 825), keyPem: k1.privateKeyPem }, now, 30);
    expect(wrong.trustedMatchesKey).toBe(false);
    expect(wrong.problems).toEqual([expect.stringMatching(/does not hold the key docker_auth signs with .*renew --force$/)]);
    // a rollover bundle (old and new certificates) trusts the key if any of them holds it
    expect(assessTokenSigner({ certPem: cert(k2, 825) + cert(k1, 825), keyPem: k1.privateKeyPem }, now, 30).trustedMatchesKey).toBe(true);
    expect(assessTokenSigner({ certPem: cert(k1, 10), keyPem: k1.privateKeyPem }, now, 30).problems).toEqual([expect.stringMatching(/^the token-signing certificate expires in 10 days/)]);
    expect(assessTokenSigner({ certPem: null, keyPem: null }, now, 30).problems).toHaveLength(2);
  });
});

// Keep FailError imported for readers: user-store's "already exists" is a FailError (exit 1), a refused role a UsageError (exit 2).
void FailError;
