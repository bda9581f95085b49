import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { planBundleFiles, REGISTRY_IMAGE } from '../../src/bundle/plan-init.js';
import type { BundleState, Mode } from '../../src/bundle/state.js';
import { parseState } from '../../src/bundle/state.js';

const material = { caCertPem: 'CA', caKeyPem: 'CAKEY', certPem: 'CERT', keyPem: 'KEY', htpasswd: 'alice:$2b$05$x\n' };
const state = (mode: Mode, port: number): BundleState => ({
  version: 1, mode, hosts: ['10.0.0.5', 'registry.lan', '*.lan'], port, days: 825, caDays: 3650, keySize: 2048, caKeySize: 4096,
  bcryptCost: 5, externalCa: false, image: REGISTRY_IMAGE, createdAt: '2026-01-01T00:00:00.000Z',
});
const plan = (mode: Mode, port: number, caKeyPem: string | null = 'CAKEY') => {
  const files = planBundleFiles(state(mode, port), { ...material, caKeyPem });
  const get = (p: string) => files.find((f) => f.path === p);
  return { files, get, compose: parse(get('docker-compose.yml')!.contents), config: parse(get('config.yml')!.contents) };
};

describe('planBundleFiles', () => {
  it('keeps private keys 0600 and lists every contract path in tls mode', () => {
    const { files } = plan('tls', 5000);
    expect(files.map((f) => `${f.path} ${f.mode.toString(8)}`)).toEqual([
      'ca/ca.crt 644', 'ca/ca.key 600', 'certs/registry.crt 644', 'certs/registry.key 600', 'auth/htpasswd 644',
      'config.yml 644', 'docker-compose.yml 644', 'registry-setup.yml 644',
    ]);
  });

  it('never writes a CA key it was not given (outside CA)', () => {
    expect(plan('tls', 5000, null).files.some((f) => f.path === 'ca/ca.key')).toBe(false);
  });

  it('tls: the registry terminates TLS, checks htpasswd, and publishes --port', () => {
    const { compose, config } = plan('tls', 5443);
    const reg = compose.services.registry;
    expect(reg.image).toBe(REGISTRY_IMAGE);
    expect(reg.restart).toBe('unless-stopped');
    expect(reg.ports).toEqual(['5443:5443']);
    expect(reg.volumes).toEqual([
      './config.yml:/etc/distribution/config.yml:ro', './config.yml:/etc/docker/registry/config.yml:ro',
      './data:/var/lib/registry', './certs:/certs:ro', './auth:/auth:ro',
    ]);
    expect(config.http).toMatchObject({ addr: ':5443', tls: { certificate: '/certs/registry.crt', key: '/certs/registry.key', minimumtls: 'tls1.2' } });
    expect(config.auth).toEqual({ htpasswd: { realm: 'registry', path: '/auth/htpasswd' } });
    expect(config.storage.delete).toEqual({ enabled: true });
    expect(config.health.storagedriver.enabled).toBe(true);
  });

  it('proxy: only nginx faces clients; the registry has no TLS, auth or published port', () => {
    const { compose, config, get } = plan('proxy', 443);
    expect(compose.services.registry.ports).toBeUndefined();
    expect(config.http.addr).toBe(':5000');
    expect(config.http.tls).toBeUndefined();
    expect(config.auth).toBeUndefined();
    expect(compose.services.nginx.ports).toEqual(['443:443']);
    expect(compose.services.nginx.volumes).toEqual(['./nginx:/etc/nginx/conf.d:ro', './certs:/etc/nginx/certs:ro', './auth:/etc/nginx/auth:ro']);
    const conf = get('nginx/registry.conf')!.contents;
    for (const directive of ['listen 443 ssl;', 'client_max_body_size 0;', 'proxy_request_buffering off;', 'proxy_buffering off;',
      'ssl_protocols TLSv1.2 TLSv1.3;', 'proxy_set_header Host $http_host;', 'proxy_set_header X-Forwarded-Proto $scheme;',
      'proxy_read_timeout 900;', 'auth_basic_user_file /etc/nginx/auth/htpasswd;', 'server registry:5000;', 'server_name 10.0.0.5 registry.lan;']) {
      expect(conf).toContain(directive);
    }
  });

  it('insecure: plain HTTP, no auth, no htpasswd', () => {
    const { config, get, compose } = plan('insecure', 5000);
    expect(config.http.tls).toBeUndefined();
    expect(config.auth).toBeUndefined();
    expect(get('auth/htpasswd')).toBeUndefined();
    expect(compose.services.registry.volumes).not.toContain('./certs:/certs:ro');
  });

  it.each(['tls', 'proxy', 'insecure'] as const)('%s: no container ever mounts ca/', (mode) => {
    const { compose } = plan(mode, 5000);
    const volumes = Object.values(compose.services).flatMap((s) => (s as { volumes: string[] }).volumes);
    expect(volumes.some((v) => v.startsWith('./ca'))).toBe(false);
  });

  it('records answers that later commands read back', () => {
    const { get } = plan('proxy', 443);
    expect(parseState(get('registry-setup.yml')!.contents, 'x')).toEqual(state('proxy', 443));
  });
});
