import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from './support/cli.js';
import { useEngineFile } from './support/engine-file.js';
import { freePort, waitForPort } from './support/net.js';
import { canRunPeers } from './support/require-peers.js';
import { inspectDigest, pushLayout, type RegistryOpts } from './support/skopeo.js';
import { getWithToken, httpsGet, parseChallenge } from './support/token-client.js';
import { execa } from 'execa';

/**
 * Token auth for real: the bundle's registry, nginx and docker_auth under `docker compose
 * up -d` in a private engine, driven by skopeo. Roles are what the registry enforces on
 * docker_auth's tokens, and user changes reach the running docker_auth with no restart.
 */
const PEERS = ['dockerd', 'docker', 'docker-compose', 'skopeo', 'openssl', 'xz', 'busybox'];

const USERS = { admin: 'admin-pw', pusher: 'pusher-pw', puller: 'puller-pw', teama: 'teama-pw' } as const;

/** Polls until `check` holds; docker_auth reloads about two seconds after a change. */
async function eventually(check: () => Promise<boolean>, ms = 15_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 300))) if (await check()) return true;
  return check();
}

describe.skipIf(!canRunPeers(PEERS))('token auth under docker compose, for real', () => {
  const { root, layout, engine } = useEngineFile('rs-token-', 'hello from token auth');

  describe.each(['tls', 'proxy'] as const)('%s mode', (mode) => {
    let bundle: string;
    let port: number;
    let certDir: string;
    const cli = (args: string[], input?: string) => runCli([...args, '--dir', bundle], { input, env: engine().env });
    const registry = () => `127.0.0.1:${port}`;
    const as = (user: string, password: string): RegistryOpts => ({ certDir, creds: { username: user, password }, timeoutMs: 30_000 });
    const ref = (repo: string) => `docker://${registry()}/${repo}:v1`;
    const push = (repo: string, user: keyof typeof USERS) => pushLayout(layout, 'v1', ref(repo), as(user, USERS[user]));
    const pull = (repo: string, user: string, password: string) => inspectDigest(ref(repo), as(user, password));
    const remove = (repo: string, user: keyof typeof USERS) =>
      execa('skopeo', ['delete', '--cert-dir', certDir, '--creds', `${user}:${USERS[user]}`, ref(repo)], { reject: false });
    const container = (svc: string) => `${mode}_${svc}_1`;

    beforeAll(async () => {
      port = await freePort();
      bundle = join(root, mode);
      mkdirSync(bundle);
      const authPort = mode === 'tls' ? ['--auth-port', String(await freePort())] : [];
      const r = await cli(['init', '--mode', mode, '--auth', 'token', '--host', '127.0.0.1', '--port', String(port), ...authPort, '--user', 'admin', '--password-stdin'], `${USERS.admin}\n`);
      expect(r.exitCode, r.stderr).toBe(0);
      for (const [user, role, repos] of [['pusher', 'push', []], ['puller', 'pull', []], ['teama', 'pull', ['team-a/*']]] as const) {
        const add = await cli(['user', 'add', user, '--role', role, ...repos.flatMap((g) => ['--repo', g]), '--password-stdin'], `${USERS[user]}\n`);
        expect(add.exitCode, add.stderr).toBe(0);
      }
      certDir = mkdtempSync(join(root, 'trust-'));
      copyFileSync(join(bundle, 'ca/ca.crt'), join(certDir, 'ca.crt'));
      const up = await engine().compose(bundle, ['up', '-d']);
      expect(up.exitCode, up.stderr).toBe(0);
      await waitForPort('127.0.0.1', port, 20_000);
      if (mode === 'tls') await waitForPort('127.0.0.1', Number(authPort[1]), 20_000);
    }, 120_000);
    afterAll(async () => {
      if (bundle) await engine().compose(bundle, ['down']);
    });

    it('answers an anonymous request with 401 and a Bearer challenge naming the realm over TLS', async () => {
      const r = await httpsGet(`https://${registry()}/v2/`, readFileSync(join(bundle, 'ca/ca.crt'), 'utf8'));
      expect(r.status).toBe(401);
      const c = parseChallenge(r.headers['www-authenticate']);
      expect(c.service).toBe('registry-setup');
      expect(c.realm).toMatch(mode === 'proxy' ? `https://${registry()}/auth` : /^https:\/\/127\.0\.0\.1:\d+\/auth$/);
      expect((await pull('team-a/x', 'nobody', 'nothing')).exitCode).not.toBe(0);
    });

    it('an admin pushes, lists the catalog and deletes', async () => {
      for (const repo of ['team-a/x', 'team-b/x', 'demo/admin']) {
        const p = await push(repo, 'admin');
        expect(p.exitCode, p.stderr).toBe(0);
      }
      const ca = readFileSync(join(bundle, 'ca/ca.crt'), 'utf8');
      const catalog = await getWithToken(registry(), '/v2/_catalog', 'registry:catalog:*', ca, { username: 'admin', password: USERS.admin });
      expect(catalog.status, catalog.body).toBe(200);
      expect(JSON.parse(catalog.body).repositories).toEqual(expect.arrayContaining(['team-a/x', 'team-b/x', 'demo/admin']));
      expect((await getWithToken(registry(), '/v2/_catalog', 'registry:catalog:*', ca, { username: 'puller', password: USERS.puller })).status).toBe(401);
      const del = await remove('demo/admin', 'admin');
      expect(del.exitCode, del.stderr).toBe(0);
      expect((await pull('demo/admin', 'admin', USERS.admin)).exitCode).not.toBe(0);
    });

    it('a push user pushes but cannot delete', async () => {
      const p = await push('demo/pushed', 'pusher');
      expect(p.exitCode, p.stderr).toBe(0);
      const del = await remove('demo/pushed', 'pusher');
      expect(del.exitCode).not.toBe(0);
      expect(del.stderr).toMatch(/unauthorized|denied|401/i);
      expect((await pull('demo/pushed', 'pusher', USERS.pusher)).exitCode).toBe(0);
    });

    it('a pull user pulls, but its push is denied', async () => {
      expect((await pull('team-b/x', 'puller', USERS.puller)).exitCode).toBe(0);
      const p = await push('demo/puller', 'puller');
      expect(p.exitCode).not.toBe(0);
      expect(p.stderr).toMatch(/denied|unauthorized|401/i);
    });

    it('a user scoped to team-a/* reads team-a/x but not team-b/x', async () => {
      expect((await pull('team-a/x', 'teama', USERS.teama)).exitCode).toBe(0);
      const r = await pull('team-b/x', 'teama', USERS.teama);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/denied|unauthorized|401/i);
    });

    it('mounts the token key only into the auth container', async () => {
      const compose = parse(readFileSync(join(bundle, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { volumes: string[] }> };
      const sources = (svc: string) => compose.services[svc]!.volumes.map((v) => v.split(':')[0]);
      expect(sources('registry')).not.toContain('./.token');
      expect(sources('auth')).toContain('./.token');
      if (mode === 'proxy') expect(sources('nginx')).not.toContain('./.token');
      const mounts = JSON.parse(await engine().docker(['inspect', '-f', '{{json .Mounts}}', container('registry')])) as { Source: string }[];
      expect(mounts.map((m) => m.Source)).not.toContain(join(bundle, '.token'));
      const cat = await engine().compose(bundle, ['exec', '-T', 'registry', 'sh', '-c', 'cat /etc/registry-setup/.gen/current/token/token.key']);
      expect(cat.exitCode).not.toBe(0);
    });

    it('user add and rm reach the running docker_auth with no restart; a removed user cannot log in', async () => {
      const started = await engine().docker(['inspect', '-f', '{{.State.StartedAt}}', container('auth')]);
      expect((await pull('team-a/x', 'carol', 'carol-pw')).exitCode).not.toBe(0);
      const add = await cli(['user', 'add', 'carol', '--role', 'pull', '--password-stdin'], 'carol-pw\n');
      expect(add.exitCode, add.stderr).toBe(0);
      expect(await eventually(async () => (await pull('team-a/x', 'carol', 'carol-pw')).exitCode === 0)).toBe(true);
      const rm = await cli(['user', 'rm', 'carol']);
      expect(rm.exitCode, rm.stderr).toBe(0);
      expect(await eventually(async () => (await pull('team-a/x', 'carol', 'carol-pw')).exitCode !== 0)).toBe(true);
      expect(await engine().docker(['inspect', '-f', '{{.State.StartedAt}}', container('auth')])).toBe(started);
      // status sees the signer the registry trusts and the key docker_auth signs with agree
      const status = await runCli(['status', '--json', '--dir', bundle]);
      expect(JSON.parse(status.stdout)).toMatchObject({ auth: 'token', tokenSigner: { trustedMatchesKey: true } });
    }, 60_000);
  });
});
