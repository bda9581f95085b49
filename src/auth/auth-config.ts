import { CONTAINER_CURRENT } from '../bundle/layout.js';
import { BUNDLE_FILES, type BundleState } from '../bundle/state.js';
import { mainAddress } from '../pki/hosts.js';
import { renderTemplate } from '../render/templates.js';
import { aclFor, type TokenUser } from './roles.js';

/** The issuer docker_auth signs as and the registry expects. */
export const TOKEN_ISSUER = 'registry-setup';
/** A token lives 15 minutes (docker_auth's default): a removed user keeps pulling at most that long. */
export const TOKEN_EXPIRATION_S = 900;
/** In proxy mode docker_auth listens on the compose network only, behind nginx's /auth. */
export const AUTH_INTERNAL_PORT = 5001;
export const DEFAULT_AUTH_PORT = 5001;
export const DEFAULT_TOKEN_SERVICE = 'registry-setup';
export const AUTH_CONFIG_CONTAINER_PATH = `${CONTAINER_CURRENT}/${BUNDLE_FILES.authConfig}`;

/** The port docker_auth listens on inside its container (the same one it is published on in tls mode). */
export const authListenPort = (state: BundleState): number => (state.mode === 'tls' ? state.authPort ?? DEFAULT_AUTH_PORT : AUTH_INTERNAL_PORT);

/** Where clients fetch tokens: docker_auth's own TLS port in tls mode, the same origin's /auth behind nginx in proxy mode. */
export function tokenRealm(state: BundleState): string {
  const host = mainAddress(state.hosts, state.mode === 'tls' ? state.authPort ?? DEFAULT_AUTH_PORT : state.port);
  return `https://${host}/auth`;
}

export function renderAuthConfig(state: BundleState, users: readonly TokenUser[]): string {
  const at = (rel: string) => `${CONTAINER_CURRENT}/${rel}`;
  return renderTemplate('auth_config.yml.hbs', {
    addr: `:${authListenPort(state)}`,
    tls: state.mode === 'tls' && { certificate: at(BUNDLE_FILES.cert), key: at(BUNDLE_FILES.key) },
    issuer: TOKEN_ISSUER,
    tokenCert: at(BUNDLE_FILES.tokenCert),
    tokenKey: at(BUNDLE_FILES.tokenKey),
    expiration: TOKEN_EXPIRATION_S,
    users: users.map((u) => ({ name: u.name, hash: u.hash, labels: { role: [u.role], ...(u.repos.length > 0 && { repos: u.repos }) } })),
    acl: aclFor(users),
  });
}
