import type { Mode } from '../bundle/state.js';
import { CONTAINER_CURRENT } from '../bundle/layout.js';
import { renderTemplate } from './templates.js';
import type { S3Record } from '../storage/s3-options.js';

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

/** Where the blobs go when not in data/: the bucket, and (replicas) the shared cache's address. */
export interface StorageSection {
  s3: S3Record;
  /** host:port of the redis service the instances share for blob descriptors; absent: each its own in-memory cache. */
  redis?: string;
}

/** config.yml for the registry in this mode; the template says which keys and why. With token auth, no htpasswd anywhere. */
export function renderRegistryConfig(mode: Mode, port: number, token?: TokenSection, storage?: StorageSection): string {
  const s3 = storage?.s3;
  return renderTemplate('config.yml.hbs', {
    dataDir: CONTAINER_PATHS.data,
    s3: s3 && {
      region: s3.region,
      endpoint: s3.endpoint ?? false,
      bucket: s3.bucket,
      secure: !s3.endpoint || s3.endpoint.startsWith('https:'),
      redirect: s3.redirect,
    },
    redis: storage?.redis ?? false,
    addr: `:${mode === 'proxy' ? PROXY_UPSTREAM_PORT : port}`,
    tls: mode === 'tls' && { certificate: `${CONTAINER_PATHS.certs}/registry.crt`, key: `${CONTAINER_PATHS.certs}/registry.key` },
    htpasswd: mode === 'tls' && !token && `${CONTAINER_PATHS.auth}/htpasswd`,
    token: token ?? false,
  });
}
