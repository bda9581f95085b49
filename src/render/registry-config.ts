import type { Mode } from '../bundle/state.js';
import { CONTAINER_CURRENT } from '../bundle/layout.js';
import { renderTemplate } from './templates.js';

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

/** The registry's auth.token section (token auth): where clients get tokens, and whose signature it trusts. */
export interface TokenSection {
  realm: string;
  service: string;
  issuer: string;
  rootcertbundle: string;
}

/** config.yml for the registry in this mode; the template says which keys and why. With token auth, no htpasswd anywhere. */
export function renderRegistryConfig(mode: Mode, port: number, token?: TokenSection): string {
  return renderTemplate('config.yml.hbs', {
    dataDir: CONTAINER_PATHS.data,
    addr: `:${mode === 'proxy' ? PROXY_UPSTREAM_PORT : port}`,
    tls: mode === 'tls' && { certificate: `${CONTAINER_PATHS.certs}/registry.crt`, key: `${CONTAINER_PATHS.certs}/registry.key` },
    htpasswd: mode === 'tls' && !token && `${CONTAINER_PATHS.auth}/htpasswd`,
    token: token ?? false,
  });
}
