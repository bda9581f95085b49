import { CONTAINER_CURRENT } from '../bundle/layout.js';
import { authOf, type BundleState } from '../bundle/state.js';
import { PRIVATE, PUBLIC, type PlannedFile } from '../io/file-plan.js';
import { CONTAINER_PATHS, PROXY_UPSTREAM_PORT, type TokenSection } from '../render/registry-config.js';
import { renderTemplate } from '../render/templates.js';
import { mirrorConfigPath, mirrorDataPath, mirrorEnvPath, mirrorService, renderMirrorEnv, type MirrorCredentials } from './services.js';
import type { MirrorRecord } from './upstreams.js';

/** A week: what registry 2.8 keeps every cached blob for, and the 3.x default. */
export const MIRROR_TTL = '168h';

/**
 * Where TLS ends for a mirror: in proxy mode nginx ends it (it has the key already, and
 * the mirror then listens only on the compose network); otherwise the mirror does,
 * with the bundle's certificate, in insecure mode too, because nodes reach mirrors over
 * TLS (the bundle's CA) whatever the registry itself speaks.
 */
export const mirrorOwnsTls = (state: Pick<BundleState, 'mode'>): boolean => state.mode !== 'proxy';

/** A mirror service that reads the server certificate itself, and the config its registry process serves. */
export interface TlsMirror {
  service: string;
  config: string;
}

/** The mirrors that read the server certificate themselves: what a renewal restarts besides the registry. */
export const tlsMirrors = (state: Pick<BundleState, 'mode' | 'mirrors'>): TlsMirror[] =>
  (mirrorOwnsTls(state) ? (state.mirrors ?? []).map((m) => ({ service: mirrorService(m), config: `${CONTAINER_CURRENT}/${mirrorConfigPath(m)}` })) : []);

/** One mirror's config.yml: proxy.remoteurl, its ttl, its own storage root, TLS where it ends it, the bundle's auth with --mirror-auth. */
export function renderMirrorConfig(state: BundleState, m: MirrorRecord, token: TokenSection | undefined): string {
  const auth = state.mirrorAuth === true;
  return renderTemplate('mirror-config.yml.hbs', {
    upstream: m.upstream,
    service: mirrorService(m),
    envFile: mirrorEnvPath(m),
    dataDir: CONTAINER_PATHS.data,
    addr: `:${mirrorOwnsTls(state) ? m.port : PROXY_UPSTREAM_PORT}`,
    tls: mirrorOwnsTls(state) && { certificate: `${CONTAINER_PATHS.certs}/registry.crt`, key: `${CONTAINER_PATHS.certs}/registry.key` },
    remoteurl: m.url,
    ttl: MIRROR_TTL,
    token: auth && token ? token : false,
    // In proxy mode nginx checks htpasswd in front of the mirror, as it does for the registry.
    htpasswd: auth && authOf(state) === 'htpasswd' && mirrorOwnsTls(state) && `${CONTAINER_PATHS.auth}/htpasswd`,
  });
}

/** The generation's files for the bundle's mirrors (their env files are planned apart: they hold secrets, and only `mirror add`/init know them). */
export function planMirrorConfigs(state: BundleState, token: TokenSection | undefined): PlannedFile[] {
  return (state.mirrors ?? []).map((m) => ({ path: mirrorConfigPath(m), contents: renderMirrorConfig(state, m, token), mode: PUBLIC }));
}

/** A mirror's env file: always there (compose v1 refuses a missing env_file), with the upstream login when one was given. */
export const planMirrorEnv = (m: MirrorRecord, credentials: MirrorCredentials | null): PlannedFile => ({
  path: mirrorEnvPath(m),
  contents: credentials ? renderMirrorEnv(credentials) : '# Written by registry-setup: this mirror fetches from its upstream without a login.\n',
  mode: PRIVATE,
});

/** What the compose template needs per mirror. */
export function composeMirrors(state: BundleState) {
  return (state.mirrors ?? []).map((m) => ({
    upstream: m.upstream,
    service: mirrorService(m),
    port: m.port,
    configPath: `${CONTAINER_CURRENT}/${mirrorConfigPath(m)}`,
    envFile: mirrorEnvPath(m),
    dataDir: mirrorDataPath(m),
    published: mirrorOwnsTls(state),
    ownsTls: mirrorOwnsTls(state),
  }));
}

/** nginx's part (proxy mode): it checks htpasswd in front of mirrors with --mirror-auth, as for the registry. */
export const nginxMirrorBasicAuth = (state: BundleState): boolean => state.mirrorAuth === true && authOf(state) === 'htpasswd';
