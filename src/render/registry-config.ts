import { stringify } from 'yaml';
import type { Mode } from '../bundle/state.js';
import { CONTAINER_CURRENT } from '../bundle/layout.js';

/** Where the registry container reads what the bundle holds: always through the live generation. */
export const CONTAINER_PATHS = {
  data: '/var/lib/registry',
  config: `${CONTAINER_CURRENT}/config.yml`,
  certs: `${CONTAINER_CURRENT}/certs`,
  auth: `${CONTAINER_CURRENT}/auth`,
  nginxConf: `${CONTAINER_CURRENT}/nginx/registry.conf`,
} as const;

/** In proxy mode the registry listens only on the compose network, behind nginx. */
export const PROXY_UPSTREAM_PORT = 5000;

/**
 * A config both registry 2.8 and 3.x accept: only keys that exist in both, and
 * TLS 1.2 as the floor because 3.x refuses anything lower.
 */
export function renderRegistryConfig(mode: Mode, port: number): string {
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { fields: { service: 'registry' } },
    storage: {
      filesystem: { rootdirectory: CONTAINER_PATHS.data },
      delete: { enabled: true },
      cache: { blobdescriptor: 'inmemory' },
    },
    http: {
      addr: `:${mode === 'proxy' ? PROXY_UPSTREAM_PORT : port}`,
      headers: { 'X-Content-Type-Options': ['nosniff'] },
      ...(mode === 'tls' && {
        tls: {
          certificate: `${CONTAINER_PATHS.certs}/registry.crt`,
          key: `${CONTAINER_PATHS.certs}/registry.key`,
          minimumtls: 'tls1.2',
        },
      }),
    },
    ...(mode === 'tls' && {
      // The registry re-reads this file when its modification time changes, so user edits apply live.
      auth: { htpasswd: { realm: 'registry', path: `${CONTAINER_PATHS.auth}/htpasswd` } },
    }),
    health: { storagedriver: { enabled: true, interval: '10s', threshold: 3 } },
  };
  return `# Written by registry-setup. Reference: https://distribution.github.io/distribution/about/configuration/\n${stringify(config)}`;
}
