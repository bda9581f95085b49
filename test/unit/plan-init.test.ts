import { randomBytes } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONTAINER_CURRENT } from '../../src/bundle/layout.js';
import { planBundleFiles, planLayoutFiles, REGISTRY_IMAGE, type BundleMaterial } from '../../src/bundle/plan-files.js';
import type { BundleState, Mode } from '../../src/bundle/state.js';
import { parseState } from '../../src/bundle/read-state.js';
import { initState, planInit } from '../../src/commands/init/plan.js';
import type { InitAnswers } from '../../src/commands/init/resolve.js';
import { createBundle } from '../../src/io/bundle-writer.js';
import { describePlan, resolvedFiles } from '../../src/io/file-plan.js';

/** Where every container reads the live generation; config, compose and nginx name bundle files only through it. */
const CURRENT = '/etc/registry-setup/.gen/current';

const material: BundleMaterial = { caCertPem: 'CA CERT\n', caKeyPem: 'CA KEY\n', certPem: 'SERVER CERT\n', keyPem: 'SERVER KEY\n', htpasswd: 'alice:$2b$05$x\n' };
const state = (mode: Mode, port: number, over: Partial<BundleState> = {}): BundleState => ({
  version: 1, mode, hosts: ['10.0.0.5', 'registry.lan', '*.apps.lan'], port, days: 825, caDays: 3650, keyType: 'ecdsa',
  bcryptCost: 5, externalCa: false, image: REGISTRY_IMAGE, createdAt: '2026-01-01T00:00:00.000Z', ...over,
});
const plan = (mode: Mode, port: number, over: Partial<BundleState> = {}) => {
  const files = planBundleFiles(state(mode, port, over), material);
  const get = (p: string) => files.find((f) => f.path === p);
  return { files, get, compose: parse(get('docker-compose.yml')!.contents!), config: parse(get('config.yml')!.contents!) };
};
interface Service { image: string; restart: string; entrypoint?: string[]; command: string[]; environment?: string[]; ports?: string[]; volumes: string[]; depends_on?: string[] }
/** The registry's entry shell (compose's `$$` escape in the file): itself run for real by the e2e harness and under compose. */
const ENTRY_SHELL = ['/bin/sh', '-c', expect.stringContaining('registry "$$@" & pid=$$!'), 'registry-setup-serve'];
const services = (compose: { services: Record<string, Service> }) => compose.services;

describe('planBundleFiles', () => {
  it('keeps private keys 0600 and lists every contract path in tls mode', () => {
    expect(plan('tls', 5000).files.map((f) => `${f.path} ${f.mode.toString(8)}`)).toEqual([
      'ca/ca.crt 644', 'ca/ca.key 600', 'certs/registry.crt 644', 'certs/registry.key 600', 'auth/htpasswd 644',
      'config.yml 644', 'docker-compose.yml 644', 'registry-setup.yml 644',
    ]);
    expect(plan('proxy', 443).files.map((f) => f.path)).toContain('nginx/registry.conf');
  });

  it('never writes a CA key for an outside CA; a dry run lists the secrets as pending, the rest in full', () => {
    expect(plan('tls', 5000, { externalCa: true }).files.map((f) => f.path)).not.toContain('ca/ca.key');
    const pending = planBundleFiles(state('proxy', 443), { caCertPem: null, caKeyPem: null, certPem: null, keyPem: null, htpasswd: null });
    expect(describePlan(pending).filter((f) => f.pending).map((f) => f.path)).toEqual(['ca/ca.crt', 'ca/ca.key', 'certs/registry.crt', 'certs/registry.key', 'auth/htpasswd']);
    expect(pending.filter((f) => f.contents !== null).map((f) => f.path)).toEqual(['config.yml', 'docker-compose.yml', 'nginx/registry.conf', 'registry-setup.yml']);
    expect(() => resolvedFiles(pending)).toThrow(/still pending/);
  });

  it('runs registry 3.1.1', () => expect(REGISTRY_IMAGE).toBe('registry:3.1.1'));

  it('tls: the registry terminates TLS from the live generation, checks htpasswd, and publishes --port', () => {
    const { compose, config } = plan('tls', 5443);
    const reg = services(compose).registry!;
    expect(Object.keys(services(compose))).toEqual(['registry']);
    expect(reg).toEqual({
      image: REGISTRY_IMAGE,
      restart: 'unless-stopped',
      entrypoint: ENTRY_SHELL,
      command: ['serve', `${CURRENT}/config.yml`],
      environment: ['OTEL_TRACES_EXPORTER=none'],
      ports: ['5443:5443'],
      volumes: ['./.gen:/etc/registry-setup/.gen:ro', './.tls:/etc/registry-setup/.tls:ro', './data:/var/lib/registry'],
    });
    expect(config.http).toMatchObject({ addr: ':5443', tls: { certificate: `${CURRENT}/certs/registry.crt`, key: `${CURRENT}/certs/registry.key`, minimumtls: 'tls1.2' } });
    expect(config.auth).toEqual({ htpasswd: { realm: 'registry', path: `${CURRENT}/auth/htpasswd` } });
    expect(config.storage.filesystem).toEqual({ rootdirectory: '/var/lib/registry' });
    expect(config.storage.delete).toEqual({ enabled: true });
    expect(config.health.storagedriver.enabled).toBe(true);
  });

  it('proxy: only nginx faces clients and holds the server key; the registry has no TLS, auth, key or published port', () => {
    const { compose, config, get } = plan('proxy', 443);
    const { registry, nginx } = services(compose);
    expect(registry).toEqual({
      image: REGISTRY_IMAGE, restart: 'unless-stopped', entrypoint: ENTRY_SHELL, command: ['serve', `${CURRENT}/config.yml`], environment: ['OTEL_TRACES_EXPORTER=none'],
      volumes: ['./.gen:/etc/registry-setup/.gen:ro', './data:/var/lib/registry'],
    });
    expect(config.http.addr).toBe(':5000');
    expect(config.http.tls).toBeUndefined();
    expect(config.auth).toBeUndefined();
    expect(nginx).toEqual({
      image: 'nginx:1.27-alpine', restart: 'unless-stopped',
      command: ['nginx', '-g', 'daemon off;', '-c', `${CURRENT}/nginx/registry.conf`],
      depends_on: ['registry'], ports: ['443:443'],
      volumes: ['./.gen:/etc/registry-setup/.gen:ro', './.tls:/etc/registry-setup/.tls:ro'],
    });
    const conf = get('nginx/registry.conf')!.contents!;
    for (const directive of ['worker_processes auto;', 'events {', 'http {', 'upstream docker-registry {', 'server registry:5000;', 'listen 443 ssl;',
      'server_name 10.0.0.5 registry.lan;', `ssl_certificate ${CURRENT}/certs/registry.crt;`, `ssl_certificate_key ${CURRENT}/certs/registry.key;`,
      'ssl_protocols TLSv1.2 TLSv1.3;', 'client_max_body_size 0;', 'proxy_request_buffering off;', 'proxy_buffering off;',
      `auth_basic_user_file ${CURRENT}/auth/htpasswd;`, 'proxy_pass http://docker-registry;', 'proxy_set_header Host $http_host;',
      'proxy_set_header X-Forwarded-Proto $scheme;', 'proxy_read_timeout 900;']) {
      expect(conf).toContain(directive);
    }
    expect(conf).not.toMatch(/^\s*include\s/m); // a whole nginx.conf, not a conf.d snippet
  });

  it('insecure: plain HTTP, no auth, no htpasswd, and no server key in any container', () => {
    const { config, get, compose } = plan('insecure', 5000);
    expect(config.http.tls).toBeUndefined();
    expect(config.auth).toBeUndefined();
    expect(get('auth/htpasswd')).toBeUndefined();
    expect(services(compose).registry!.volumes).toEqual(['./.gen:/etc/registry-setup/.gen:ro', './data:/var/lib/registry']);
    expect(services(compose).registry!.ports).toEqual(['5000:5000']);
  });

  it.each([['tls', 5000], ['proxy', 443], ['insecure', 5000]] as const)('%s: every bundle path a container is given goes through the live generation and names a planned file', (mode, port) => {
    const { files, compose, config, get } = plan(mode, port);
    const nginxDirectives = (get('nginx/registry.conf')?.contents ?? '').split('\n').filter((l) => !/^\s*#/.test(l));
    const text = [JSON.stringify(compose), JSON.stringify(config), ...nginxDirectives].join('\n');
    const named = [...text.matchAll(/\/etc\/registry-setup\/[^\s;"',\]:]*/g)].map((m) => m[0]).filter((p) => !/^\/etc\/registry-setup\/\.(gen|tls)$/.test(p));
    expect(named.length).toBeGreaterThan(0);
    for (const p of named) {
      expect(p.startsWith(`${CURRENT}/`), p).toBe(true);
      expect(files.map((f) => f.path), p).toContain(p.slice(CURRENT.length + 1));
    }
    expect(CONTAINER_CURRENT).toBe(CURRENT);
  });

  it('records answers that later commands read back', () => {
    expect(parseState(plan('proxy', 443).get('registry-setup.yml')!.contents!, 'x')).toEqual(state('proxy', 443));
    const rsa = state('tls', 5000, { keyType: 'rsa', keySize: 3072, caKeySize: 4096 });
    expect(parseState(planBundleFiles(rsa, material).find((f) => f.path === 'registry-setup.yml')!.contents!, 'x')).toEqual(rsa);
  });
});

describe('planLayoutFiles', () => {
  it('is what follows from the record alone: the config, the compose file, and nginx in proxy mode', () => {
    expect(planLayoutFiles(state('tls', 5000)).map((f) => f.path)).toEqual(['config.yml', 'docker-compose.yml']);
    expect(planLayoutFiles(state('proxy', 443)).map((f) => f.path)).toEqual(['config.yml', 'docker-compose.yml', 'nginx/registry.conf']);
    const whole = plan('proxy', 443).files;
    for (const f of planLayoutFiles(state('proxy', 443))) expect(f).toEqual(whole.find((w) => w.path === f.path));
  });
});

/**
 * What a container of the compose file can open: its volumes map container paths to
 * the bundle on the host, and a link is followed where the container sees it, so one
 * that leads out of every mount leads to nothing.
 */
function containerView(dir: string, service: Service) {
  const mounts = service.volumes.map((v) => {
    const [source, target] = v.split(':') as [string, string];
    return { source: join(dir, source), target };
  });
  const toHost = (p: string): string | null => {
    const m = mounts.filter((x) => p === x.target || p.startsWith(`${x.target}/`)).sort((a, b) => b.target.length - a.target.length)[0];
    return m ? join(m.source, p.slice(m.target.length)) : null;
  };
  /** The host path a container path leads to, links followed as the container sees them; null when it reaches nothing. */
  const resolve = (path: string): string | null => {
    let p = posix.normalize(path);
    for (let hops = 0; hops < 40; hops++) {
      const parts = p.split('/').filter(Boolean);
      let followed = false;
      for (let i = 0; i < parts.length && !followed; i++) {
        const prefix = `/${parts.slice(0, i + 1).join('/')}`;
        const host = toHost(prefix);
        if (host === null) {
          if (i === parts.length - 1) return null;
          continue; // the image's own directories
        }
        let link: string | null = null;
        try {
          if (lstatSync(host).isSymbolicLink()) link = readlinkSync(host);
        } catch {
          return null;
        }
        if (link !== null) {
          p = posix.resolve(posix.dirname(prefix), link, ...parts.slice(i + 1));
          followed = true;
        }
      }
      if (!followed) return toHost(p);
    }
    throw new Error(`too many links at ${path}`);
  };
  const read = (path: string): string | null => {
    const host = resolve(path);
    return host !== null && statSync(host).isFile() ? readFileSync(host, 'utf8') : null;
  };
  /** The text of every file the container can reach, from every mount down. */
  const reachable = (): string[] => {
    const out: string[] = [];
    const seen = new Set<string>();
    const visit = (p: string) => {
      const host = resolve(p);
      if (host === null || seen.has(realpathSync(host))) return;
      seen.add(realpathSync(host));
      if (statSync(host).isDirectory()) for (const name of readdirSync(host)) visit(`${p}/${name}`);
      else out.push(readFileSync(host, 'utf8'));
    };
    for (const m of mounts) visit(m.target);
    return out;
  };
  return { read, reachable };
}

describe('the containers, as they see a bundle the writer made', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((d) => rmSync(d, { recursive: true, force: true })));
  async function made(mode: Mode, port: number) {
    const root = mkdtempSync(join(tmpdir(), 'rs-view-'));
    roots.push(root);
    const p = plan(mode, port);
    await createBundle(join(root, 'reg'), resolvedFiles(p.files), { now: new Date('2026-01-01T00:00:00Z'), random: (n) => randomBytes(n) });
    const view = (name: string) => containerView(join(root, 'reg'), services(p.compose)[name]!);
    /** The file a service's command names: the registry's config (serve FILE), nginx's conf (-c FILE). */
    const commandFile = (name: string) => {
      const command = services(p.compose)[name]!.command;
      return name === 'nginx' ? command[command.indexOf('-c') + 1]! : command[1]!;
    };
    return { ...p, view, commandFile };
  }

  it('tls: the registry opens its config, certificate, key and htpasswd through its mounts, and never the CA', async () => {
    const { view, get, config, commandFile } = await made('tls', 5000);
    const registry = view('registry');
    expect(registry.read(commandFile('registry'))).toBe(get('config.yml')!.contents);
    expect(registry.read(config.http.tls.certificate)).toBe(material.certPem);
    expect(registry.read(config.http.tls.key)).toBe(material.keyPem);
    expect(registry.read(config.auth.htpasswd.path)).toBe(material.htpasswd);
    expect(registry.read(`${CURRENT}/ca/ca.key`)).toBeNull();
    expect(registry.read(`${CURRENT}/ca/ca.crt`)).toBeNull();
    const texts = registry.reachable();
    expect(texts).toContain(material.keyPem);
    expect(texts.filter((t) => t === material.caKeyPem || t === material.caCertPem)).toEqual([]);
  });

  it('proxy: nginx opens its conf, the certificate, key and htpasswd; the registry reaches neither key; no container reaches the CA', async () => {
    const { view, get, commandFile } = await made('proxy', 443);
    const nginx = view('nginx');
    const conf = nginx.read(commandFile('nginx'));
    expect(conf).toBe(get('nginx/registry.conf')!.contents);
    const path = (directive: string) => new RegExp(`${directive} (\\S+);`).exec(conf!)![1]!;
    expect(nginx.read(path('ssl_certificate'))).toBe(material.certPem);
    expect(nginx.read(path('ssl_certificate_key'))).toBe(material.keyPem);
    expect(nginx.read(path('auth_basic_user_file'))).toBe(material.htpasswd);
    const registry = view('registry');
    expect(registry.read(commandFile('registry'))).toBe(get('config.yml')!.contents);
    expect(registry.read(`${CURRENT}/certs/registry.key`)).toBeNull();
    expect(registry.reachable().filter((t) => t === material.keyPem || t === material.caKeyPem)).toEqual([]);
    expect(nginx.reachable().filter((t) => t === material.caKeyPem || t === material.caCertPem)).toEqual([]);
  });

  it('insecure: the registry reaches its config and no key at all', async () => {
    const { view, get, commandFile } = await made('insecure', 5000);
    const registry = view('registry');
    expect(registry.read(commandFile('registry'))).toBe(get('config.yml')!.contents);
    expect(registry.reachable().filter((t) => [material.keyPem, material.caKeyPem, material.caCertPem].includes(t))).toEqual([]);
  });
});

describe('initState and planInit', () => {
  const answers = (over: Partial<InitAnswers> = {}): InitAnswers => ({
    dir: './registry', mode: 'tls', hosts: ['10.0.0.5'], port: 5000, users: [], days: 825, caDays: 3650,
    keyType: 'ecdsa', leafKey: { type: 'ecdsa' }, caKey: { type: 'ecdsa' }, bcryptCost: 5, auth: 'htpasswd',
    mirrors: [], mirrorAuth: false, mirrorCredentials: null,
    storage: { storage: 'filesystem', createBucket: false, replicas: 1 }, ...over,
  });
  const now = new Date('2026-02-03T04:05:06.000Z');

  it('records the key type, and RSA sizes only for RSA', () => {
    expect(initState(answers(), now, false)).toEqual({
      version: 1, mode: 'tls', hosts: ['10.0.0.5'], port: 5000, days: 825, caDays: 3650, keyType: 'ecdsa', bcryptCost: 5, auth: 'htpasswd',
      externalCa: false, image: REGISTRY_IMAGE, createdAt: '2026-02-03T04:05:06.000Z',
    });
    const rsa = initState(answers({ keyType: 'rsa', leafKey: { type: 'rsa', bits: 3072 }, caKey: { type: 'rsa', bits: 4096 } }), now, true);
    expect(rsa).toMatchObject({ keyType: 'rsa', keySize: 3072, caKeySize: 4096, externalCa: true });
    expect(parseState(planInit(answers({ keyType: 'rsa', leafKey: { type: 'rsa', bits: 2048 }, caKey: { type: 'rsa', bits: 4096 } }), { now, outsideCa: false, material: null })
      .files.find((f) => f.path === 'registry-setup.yml')!.contents!, 'x')).toMatchObject({ keyType: 'rsa', keySize: 2048, caKeySize: 4096 });
  });

  it('without material (a dry run) plans the same files, secrets pending', () => {
    const dry = planInit(answers({ mode: 'proxy', port: 443 }), { now, outsideCa: false, material: null });
    const real = planInit(answers({ mode: 'proxy', port: 443 }), { now, outsideCa: false, material });
    expect(describePlan(dry.files).map((f) => [f.path, f.mode])).toEqual(describePlan(real.files).map((f) => [f.path, f.mode]));
    expect(dry.files.filter((f) => f.contents === null)).toHaveLength(5);
    expect(planInit(answers(), { now, outsideCa: true, material: null }).files.map((f) => f.path)).not.toContain('ca/ca.key');
  });
});
