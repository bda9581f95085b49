import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { planBundleFiles, planLayoutFiles } from '../../src/bundle/plan-files.js';
import { parseState } from '../../src/bundle/read-state.js';
import { renderState, type BundleState } from '../../src/bundle/state.js';
import { reloadArgs } from '../../src/bundle/reload.js';
import { planMirrorAdd, planMirrorRm } from '../../src/commands/mirror/plan.js';
import { tlsMirrors } from '../../src/mirrors/render.js';
import { mirrorService, parseMirrorCredentials, planNewMirrors } from '../../src/mirrors/services.js';

const base: BundleState = {
  version: 1, mode: 'tls', hosts: ['10.0.0.5'], port: 5000, days: 825, caDays: 3650, keyType: 'ecdsa', bcryptCost: 5, auth: 'htpasswd',
  externalCa: false, image: 'registry:3.1.1', createdAt: '2026-02-03T04:05:06.000Z',
};
const hub = { upstream: 'docker.io', url: 'https://registry-1.docker.io', port: 5010 };
const ghcr = { upstream: 'ghcr.io', url: 'https://ghcr.io', port: 5011 };
const withMirrors = (over: Partial<BundleState> = {}): BundleState => ({ ...base, mirrors: [hub, ghcr], ...over });
const file = (files: { path: string; contents: string | null }[], path: string) => files.find((f) => f.path === path)?.contents ?? null;
const compose = (s: BundleState) => parse(file(planLayoutFiles(s), 'docker-compose.yml')!) as { services: Record<string, { ports?: string[]; volumes: string[]; env_file?: string[]; entrypoint: string[]; depends_on?: string[] }> };

describe('ports and names', () => {
  it('takes 5010 and on, skipping the registry\'s port, the token server\'s and 5001', () => {
    expect(planNewMirrors(base, ['docker.io', 'ghcr.io']).map((m) => m.port)).toEqual([5010, 5011]);
    expect(planNewMirrors({ ...base, port: 5010 }, ['docker.io', 'ghcr.io']).map((m) => m.port)).toEqual([5011, 5012]);
    expect(planNewMirrors({ ...base, authPort: 5001 }, ['docker.io', 'quay.io'], { firstPort: 5000 }).map((m) => m.port)).toEqual([5002, 5003]);
    expect(planNewMirrors(withMirrors(), ['quay.io']).map((m) => m.port)).toEqual([5012]);
    expect(() => planNewMirrors(base, ['docker.io'], { firstPort: 5000, explicitPort: true })).toThrow(/--mirror-port 5000 is the registry's port/);
    expect(() => planNewMirrors(withMirrors(), ['quay.io'], { firstPort: 5011, explicitPort: true })).toThrow(/the ghcr.io mirror's port/);
  });

  it('a stable service name per upstream', () => {
    expect(['docker.io', 'registry.k8s.io', 'registry.lan:5000'].map((upstream) => mirrorService({ upstream }))).toEqual(['mirror-docker-io', 'mirror-registry-k8s-io', 'mirror-registry-lan-5000']);
  });

  it('upstream logins: two lines, nothing an env file would read differently', () => {
    expect(parseMirrorCredentials('bot\ndckr_pat_abc-123\n')).toEqual({ username: 'bot', password: 'dckr_pat_abc-123' });
    for (const bad of ['bot\n', 'bot\npw\nextra\n', '\npw\n', 'bot\np w\n', 'bot\np$w\n', 'bot\n"pw"\n']) expect(() => parseMirrorCredentials(bad)).toThrow(/--mirror-credentials-stdin/);
  });
});

describe('the files a bundle with mirrors holds', () => {
  it('tls mode: each mirror ends TLS itself on its own published port, with its own cache and env file', () => {
    const c = compose(withMirrors());
    const m = c.services['mirror-docker-io']!;
    expect(m.ports).toEqual(['5010:5010']);
    expect(m.volumes).toEqual(['./.gen:/etc/registry-setup/.gen:ro', './.tls:/etc/registry-setup/.tls:ro', './mirror-data/docker-io:/var/lib/registry']);
    expect(m.env_file).toEqual(['./env/mirror-docker-io.env']);
    expect(m.entrypoint).toEqual(c.services.registry!.entrypoint); // the same in-place restart
    const config = parse(file(planLayoutFiles(withMirrors()), 'mirrors/docker-io/config.yml')!);
    expect(config).toMatchObject({ http: { addr: ':5010', tls: { certificate: expect.stringContaining('certs/registry.crt') } }, proxy: { remoteurl: 'https://registry-1.docker.io', ttl: '168h' }, storage: { filesystem: { rootdirectory: '/var/lib/registry' }, delete: { enabled: false } } });
    expect(config.auth).toBeUndefined();
  });

  it('proxy mode: nginx ends TLS on the mirror ports, so the mirrors mount no key and publish nothing', () => {
    const s = withMirrors({ mode: 'proxy', port: 443 });
    const c = compose(s);
    expect(c.services['mirror-docker-io']!.ports).toBeUndefined();
    expect(c.services['mirror-docker-io']!.volumes.some((v) => v.includes('.tls'))).toBe(false);
    expect(c.services.nginx!.ports).toEqual(['443:443', '5010:5010', '5011:5011']);
    expect(c.services.nginx!.depends_on).toEqual(['registry', 'mirror-docker-io', 'mirror-ghcr-io']);
    const nginx = file(planLayoutFiles(s), 'nginx/registry.conf')!;
    expect(nginx).toContain('listen 5010 ssl;');
    expect(nginx).toContain('proxy_pass http://mirror-docker-io:5000;');
    expect(nginx.match(/auth_basic_user_file/g)).toHaveLength(1); // the registry's only: mirrors ask for no login
    expect(parse(file(planLayoutFiles(s), 'mirrors/docker-io/config.yml')!).http).toEqual({ addr: ':5000', headers: { 'X-Content-Type-Options': ['nosniff'] } });
    // --mirror-auth: nginx checks the same htpasswd in front of each mirror
    expect(file(planLayoutFiles({ ...s, mirrorAuth: true }), 'nginx/registry.conf')!.match(/auth_basic_user_file/g)).toHaveLength(3);
  });

  it('--mirror-auth: the bundle\'s htpasswd, or its token server', () => {
    const htpasswd = parse(file(planLayoutFiles(withMirrors({ mirrorAuth: true })), 'mirrors/docker-io/config.yml')!);
    expect(htpasswd.auth).toEqual({ htpasswd: { realm: 'registry', path: '/etc/registry-setup/.gen/current/auth/htpasswd' } });
    const token = parse(file(planLayoutFiles(withMirrors({ mirrorAuth: true, auth: 'token', tokenService: 'registry-setup', authPort: 5001 })), 'mirrors/docker-io/config.yml')!);
    expect(token.auth.token).toMatchObject({ realm: 'https://10.0.0.5:5001/auth', service: 'registry-setup' });
  });

  it('env files are 0600, hold the login only when one was given, and are in no other file', () => {
    const files = planBundleFiles(withMirrors(), { caCertPem: 'c', caKeyPem: 'k', certPem: 'c', keyPem: 'k', htpasswd: 'h', mirrorCredentials: { 'ghcr.io': { username: 'bot', password: 'tok-123' } } });
    expect(files.filter((f) => f.path.startsWith('env/')).map((f) => [f.path, f.mode])).toEqual([['env/mirror-docker-io.env', 0o600], ['env/mirror-ghcr-io.env', 0o600]]);
    expect(file(files, 'env/mirror-ghcr-io.env')).toContain('REGISTRY_PROXY_PASSWORD=tok-123');
    expect(file(files, 'env/mirror-docker-io.env')).not.toContain('REGISTRY_PROXY');
    expect(files.filter((f) => f.contents?.includes('tok-123')).map((f) => f.path)).toEqual(['env/mirror-ghcr-io.env']);
  });

  it('the record round-trips, mirrors and mirrorAuth included', () => {
    const s = withMirrors({ mirrorAuth: true });
    expect(parseState(renderState(s), 'x')).toEqual(s);
    expect(() => parseState(renderState({ ...s, mode: 'insecure' }), 'f.yml')).toThrow(/f.yml: mirrorAuth true cannot be used with mode "insecure"/);
  });
});

describe('mirror add and rm plans', () => {
  it('add: the env file, its config, the compose file and the record; nothing else', () => {
    const p = planMirrorAdd(base, 'docker.io', undefined, null);
    expect(p.mirror).toEqual(hub);
    expect(p.files.map((f) => f.path).sort()).toEqual(['docker-compose.yml', 'env/mirror-docker-io.env', 'mirrors/docker-io/config.yml', 'registry-setup.yml']);
    expect(planMirrorAdd({ ...base, mode: 'proxy', port: 443 }, 'docker.io', undefined, null).files.map((f) => f.path)).toContain('nginx/registry.conf');
    expect(() => planMirrorAdd(withMirrors(), 'docker.io', undefined, null)).toThrow(/mirrors it already/);
  });

  it('rm: the others stay as they were; the last one leaves no mirrors key', () => {
    const p = planMirrorRm(withMirrors(), 'ghcr.io');
    expect(p.state.mirrors).toEqual([hub]);
    expect(p.remove).toEqual(['mirrors/ghcr-io/config.yml', 'env/mirror-ghcr-io.env']);
    expect(file(p.files, 'docker-compose.yml')).not.toContain('mirror-ghcr-io');
    expect(planMirrorRm({ ...base, mirrors: [hub], mirrorAuth: true }, 'docker.io').state).toEqual({ ...base, mirrorAuth: true });
    expect(() => planMirrorRm(base, 'docker.io')).toThrow(/has no such mirror \(it has none\)/);
  });
});

describe('renew reaches the mirrors that end TLS', () => {
  it('tls: one HUP for the registry and each mirror; proxy: nginx alone; insecure: the mirrors alone', () => {
    expect(tlsMirrors(withMirrors()).map((m) => m.service)).toEqual(['mirror-docker-io', 'mirror-ghcr-io']);
    expect(tlsMirrors(withMirrors({ mode: 'proxy' }))).toEqual([]);
    expect(reloadArgs('/nowhere', 'insecure', false, tlsMirrors(withMirrors({ mode: 'insecure' })))).toEqual(['compose', 'kill', '-s', 'HUP', 'mirror-docker-io', 'mirror-ghcr-io']);
    expect(reloadArgs('/nowhere', 'insecure', false, [])).toBeNull();
  });
});

describe('mirrors beside S3 replicas', () => {
  const s: BundleState = withMirrors({ mode: 'proxy', storage: 's3', s3: { endpoint: 'http://10.0.0.7:7480', bucket: 'reg', region: 'us-east-1', redirect: false }, replicas: 2 });

  it('nginx balances the registry instances and still fronts each mirror on its own port', () => {
    const nginx = file(planLayoutFiles(s), 'nginx/registry.conf')!;
    expect(nginx).toMatch(/upstream docker-registry \{[^}]*server registry:5000;\s*server registry-2:5001;\s*\}/);
    for (const m of [hub, ghcr]) expect(nginx).toMatch(new RegExp(`listen ${m.port} ssl;[\\s\\S]*?proxy_pass http://${mirrorService(m)}:5000;`));
  });

  it('the mirrors keep their own cache on disk while the registries share the bucket; one entry shell for all', () => {
    const c = compose(s);
    expect(Object.keys(c.services).sort()).toEqual(['mirror-docker-io', 'mirror-ghcr-io', 'nginx', 'redis', 'registry', 'registry-2']);
    expect(c.services['mirror-docker-io']!.volumes).toContain('./mirror-data/docker-io:/var/lib/registry');
    expect(c.services.registry!.volumes.some((v) => v.endsWith(':/var/lib/registry'))).toBe(false);
    expect(c.services['registry-2']!.entrypoint).toEqual(c.services.registry!.entrypoint);
    expect(c.services['mirror-ghcr-io']!.entrypoint).toEqual(c.services.registry!.entrypoint);
  });
});
