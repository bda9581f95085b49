import { parse } from 'yaml';
import { FailError, UsageError } from '../errors.js';
import { CONTAINER_CURRENT } from '../bundle/layout.js';
import { BUNDLE_FILES, type BundleState } from '../bundle/state.js';
import { mainAddress } from '../pki/hosts.js';
import { renderTemplate } from '../render/templates.js';
import { validateUserName } from '../render/htpasswd.js';
import { aclFor, parseRepoGlob, parseRole, type TokenUser } from './roles.js';

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

/**
 * The users back from auth_config.yml, each field checked with its flag's validator:
 * a hand-edited or damaged file fails with one line naming the file and the user.
 */
export function parseAuthUsers(text: string, file: string): TokenUser[] {
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new FailError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const users = (data as { users?: unknown } | null)?.users;
  if (users === null || typeof users !== 'object' || Array.isArray(users)) throw new FailError(`${file}: users must be a mapping of user names`);
  return Object.entries(users as Record<string, unknown>).map(([name, entry]) => {
    const where = `${file}: users.${name}`;
    try {
      const e = entry as { password?: unknown; labels?: { role?: unknown; repos?: unknown } } | null;
      if (typeof e?.password !== 'string' || !/^\$2[aby]\$\d\d\$/.test(e.password)) throw new UsageError('password must be a bcrypt hash');
      const role = e.labels?.role;
      if (!Array.isArray(role) || role.length !== 1) throw new UsageError('labels.role must be a list of one role');
      const repos = e.labels?.repos ?? [];
      if (!Array.isArray(repos)) throw new UsageError('labels.repos must be a list');
      return { name: validateUserName(name, 'user'), hash: e.password, role: parseRole(role[0], 'labels.role'), repos: repos.map((r) => parseRepoGlob(r, 'labels.repos')) };
    } catch (err) {
      if (err instanceof UsageError) throw new FailError(`${where}: ${err.message}`);
      throw err;
    }
  });
}
