import { BUNDLE_FILES, authOf, replicasOf, renderState, type BundleState } from './state.js';
import { REDIS_ADDR, REDIS_SERVICE, registryInstances, usesRegistryEnv } from './instances.js';
import { AUTH_CONFIG_CONTAINER_PATH, TOKEN_ISSUER, authListenPort, tokenRealm } from '../auth/auth-config.js';
import { CONTAINER_BUNDLE, CONTAINER_CURRENT, GEN_DIR, SERVE_IN_PLACE, STORES } from './layout.js';
import { PRIVATE, PUBLIC, type PlannedFile } from '../io/file-plan.js';
import { CONTAINER_PATHS, renderRegistryConfig, PROXY_UPSTREAM_PORT } from '../render/registry-config.js';
import { renderTemplate } from '../render/templates.js';
import { dialableHosts } from '../pki/hosts.js';
import { composeMirrors, nginxMirrorBasicAuth, planMirrorConfigs, planMirrorEnv } from '../mirrors/render.js';
import type { MirrorCredentials } from '../mirrors/services.js';

/** 3.1.1 fixes CVE-2026-35172, CVE-2026-33540 (3.1.0) and CVE-2026-41888 in 3.0.0. */
export const REGISTRY_IMAGE = 'registry:3.1.1';
export const NGINX_IMAGE = 'nginx:1.27-alpine';
/** The shared blob-descriptor cache of --replicas bundles. */
export const REDIS_IMAGE = 'redis:7.4-alpine';
/** The token server (token auth). */
export const AUTH_IMAGE = 'cesanta/docker_auth:1.14.0';

/** The secret and signed part of a bundle; null members are still pending (a dry run). */
export interface BundleMaterial {
  caCertPem: string | null;
  caKeyPem: string | null;
  certPem: string | null;
  keyPem: string | null;
  htpasswd: string | null;
  /** Token auth only: docker_auth's config, the signing key and its CA-issued certificate. */
  token?: { authConfig: string | null; certPem: string | null; keyPem: string | null };
  /** Mirrors' upstream logins, by upstream; a mirror not named here fetches without one. */
  mirrorCredentials?: Record<string, MirrorCredentials>;
  /** S3 storage: env/registry.env (the store's keys, the shared http.secret). */
  registryEnv?: string | null;
}

/**
 * Every file of a bundle, as data. With an outside CA (`outsideCa`) the CA key
 * stays where it is and is never listed. htpasswd is 0644 because nginx's
 * workers run unprivileged inside their container; the bundle directory itself
 * is 0700, which keeps it from other users on the host.
 */
export function planBundleFiles(state: BundleState, material: BundleMaterial): PlannedFile[] {
  const files: PlannedFile[] = [{ path: BUNDLE_FILES.caCert, contents: material.caCertPem, mode: PUBLIC }];
  if (!state.externalCa) files.push({ path: BUNDLE_FILES.caKey, contents: material.caKeyPem, mode: PRIVATE });
  files.push(
    { path: BUNDLE_FILES.cert, contents: material.certPem, mode: PUBLIC },
    { path: BUNDLE_FILES.key, contents: material.keyPem, mode: PRIVATE },
  );
  if (authOf(state) === 'token') {
    const t = material.token ?? { authConfig: null, certPem: null, keyPem: null };
    files.push(
      { path: BUNDLE_FILES.authConfig, contents: t.authConfig, mode: PUBLIC },
      { path: BUNDLE_FILES.tokenCert, contents: t.certPem, mode: PUBLIC },
      { path: BUNDLE_FILES.tokenKey, contents: t.keyPem, mode: PRIVATE },
    );
  } else if (state.mode !== 'insecure') files.push({ path: BUNDLE_FILES.htpasswd, contents: material.htpasswd, mode: PUBLIC });
  for (const m of state.mirrors ?? []) files.push(planMirrorEnv(m, material.mirrorCredentials?.[m.upstream] ?? null));
  if (usesRegistryEnv(state)) files.push({ path: BUNDLE_FILES.registryEnv, contents: material.registryEnv ?? null, mode: PRIVATE });
  files.push(...planLayoutFiles(state), { path: BUNDLE_FILES.state, contents: renderState(state), mode: PUBLIC });
  return files;
}

/** The files that follow from the record alone: what the containers are started with. */
export function planLayoutFiles(state: BundleState): PlannedFile[] {
  const files: PlannedFile[] = [
    { path: BUNDLE_FILES.config, contents: renderRegistryConfig(state.mode, state.port, tokenSection(state), storageSection(state)), mode: PUBLIC },
    { path: BUNDLE_FILES.compose, contents: renderCompose(state), mode: PUBLIC },
  ];
  if (state.mode === 'proxy') files.push({ path: BUNDLE_FILES.nginx, contents: renderNginx(state), mode: PUBLIC });
  files.push(...planMirrorConfigs(state, tokenSection(state)));
  return files;
}

/** The registry's auth.token section, for a token-auth bundle. */
export function tokenSection(state: BundleState) {
  if (authOf(state) !== 'token') return undefined;
  return { realm: tokenRealm(state), service: state.tokenService!, issuer: TOKEN_ISSUER, rootcertbundle: `${CONTAINER_CURRENT}/${BUNDLE_FILES.tokenCert}` };
}

/** The registry's storage when it is not data/: the bucket, and the shared cache when several instances use it. */
export function storageSection(state: BundleState) {
  if (!state.s3) return undefined;
  return { s3: state.s3, ...(replicasOf(state) > 1 && { redis: REDIS_ADDR }) };
}

export function renderCompose(state: BundleState): string {
  const instances = registryInstances(state);
  return renderTemplate('docker-compose.yml.hbs', {
    s3: Boolean(state.s3),
    envFile: usesRegistryEnv(state) && `./${BUNDLE_FILES.registryEnv}`,
    // Health checks with what the images have (busybox wget, redis-cli); one instance keeps the file as it was.
    instances: instances.map((r, i) => ({ ...r, first: i === 0, ownAddr: i > 0 && `:${r.port}`, healthUrl: instances.length > 1 && `http://127.0.0.1:${r.port}/v2/` })),
    replicas: instances.length > 1 && { count: instances.length, redisImage: REDIS_IMAGE, redisService: REDIS_SERVICE },
    mode: state.mode,
    registryImage: state.image,
    nginxImage: NGINX_IMAGE,
    registryPort: state.mode === 'proxy' ? null : state.port,
    proxy: state.mode === 'proxy',
    port: state.port,
    registryOwnsTls: state.mode === 'tls',
    // The same relative places as on the host, so the generation's link to the .tls store resolves inside.
    genMount: `${CONTAINER_BUNDLE}/${GEN_DIR}`,
    tlsMount: `${CONTAINER_BUNDLE}/${STORES.certs}`,
    tokenMount: `${CONTAINER_BUNDLE}/${STORES.token}`,
    auth: authOf(state) === 'token' && { image: AUTH_IMAGE, configPath: AUTH_CONFIG_CONTAINER_PATH, port: state.mode === 'tls' ? authListenPort(state) : null },
    configPath: CONTAINER_PATHS.config,
    serveName: SERVE_IN_PLACE,
    nginxConfPath: CONTAINER_PATHS.nginxConf,
    mirrors: composeMirrors(state),
  });
}

export function renderNginx(state: BundleState): string {
  const names = dialableHosts(state.hosts);
  const instances = registryInstances(state);
  return renderTemplate('registry.conf.hbs', {
    port: state.port,
    upstreams: instances.map((r) => `${r.service}:${r.port}`),
    replicas: instances.length > 1,
    serverNames: names.length > 0 ? names.join(' ') : '_',
    current: CONTAINER_CURRENT,
    tokenUpstream: authOf(state) === 'token' && `auth:${authListenPort(state)}`,
    mirrors: composeMirrors(state),
    // nginx ends TLS for the mirrors in proxy mode; each listens in plain HTTP on this port (mirrors/render.ts)
    mirrorListenPort: PROXY_UPSTREAM_PORT,
    mirrorBasicAuth: nginxMirrorBasicAuth(state),
  });
}
