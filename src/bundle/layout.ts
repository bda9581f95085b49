/**
 * How a bundle sits on disk, and why.
 *
 * Every reader must see the bundle wholly as before or wholly as after a change, and
 * the readers that matter most, the registry and nginx containers, never run our
 * recovery code: they read certs/, auth/ and config.yml straight from disk at any
 * restart or reload. So a change is committed by ONE rename(2): every file lives in
 * a generation directory, and the symlink .gen/current names the live one.
 *
 *   .gen/current -> g-ID               the commit point; renaming a new link over it switches everything
 *   .gen/g-ID/                         config.yml, docker-compose.yml, auth/, nginx/, registry-setup.yml
 *   .gen/g-ID/ca -> ../../.ca/ID       secret directories live in stores of their own (STORES), linked
 *   .gen/g-ID/certs -> ../../.tls/ID     from the generation, because .gen is mounted into every container
 *   config.yml -> .gen/current/config.yml, certs -> .gen/current/certs, …   the contract paths, fixed links
 *   data/                              the registry's storage, never versioned
 *
 * The containers mount .gen (and a store, where they need its secret) at the same
 * relative places under /etc/registry-setup, and name files through `current`: the
 * link is resolved when a file is opened, not when the container starts, so nginx's
 * graceful reload sees a new certificate and the registry a new htpasswd with no
 * restart (mounting certs/ itself would pin the generation current at start-up). In
 * a container that does not mount a store, its link dangles: the key is not there.
 */
import { BUNDLE_FILES } from './state.js';

export const GEN_DIR = '.gen';
export const CURRENT = 'current';
/**
 * Top-level directories kept outside .gen, each in its own store: the CA is mounted
 * nowhere; the server's key and certificate only into the container that terminates TLS;
 * the nodes' pull login (trust-node --login-generate) nowhere either: it is a password in
 * the clear, and auth/ is mounted into the containers that check passwords; the
 * token-signing key only into docker_auth (token auth); env files (S3 keys, the registries'
 * shared http.secret, mirrors' upstream logins) nowhere: compose reads them on the host
 * (env_file) and hands each container only its own variables.
 */
export const STORES = {
  ca: '.ca',
  certs: '.tls',
  'node-login': '.node-login',
  token: '.token',
  env: '.env',
} as const;
export type StoreName = keyof typeof STORES;
export const storeOf = (path: string): StoreName | null => {
  const top = path.split('/')[0]!;
  return Object.hasOwn(STORES, top) ? (top as StoreName) : null;
};
/** Inside a generation: the id of the one it replaced, so the kept history is a chain. */
export const PARENT_FILE = '.parent';
/**
 * Inside a generation: the sha256 of each file as registry-setup wrote it. A file
 * edited by hand since (through its link) no longer matches, which `upgrade` and
 * other rewriting commands check before they replace it.
 */
export const WRITTEN_FILE = '.written';
export const DATA_DIR = 'data';
/** In a new bundle's staging directory: the pid building it, so a sweep leaves a live one alone. */
export const OWNER_FILE = '.owner';
/** Held while a command changes the bundle (see io/bundle-lock.ts). */
export const LOCK_FILE = '.lock';
/** Generations kept besides the current one: they are the backups, and `ls .gen` lists them. */
export const KEEP_GENERATIONS = 5;

/** Where the containers see .gen, and through it the live generation. */
export const CONTAINER_BUNDLE = '/etc/registry-setup';
export const CONTAINER_CURRENT = `${CONTAINER_BUNDLE}/${GEN_DIR}/${CURRENT}`;

/** The bundle's top-level names that are links into the live generation. */
export const TOP_LEVEL_NAMES: readonly string[] = [...new Set(Object.values(BUNDLE_FILES).map((p) => p.split('/')[0]!))];

/** What a top-level link points at. */
export const linkTarget = (name: string): string => `${GEN_DIR}/${CURRENT}/${name}`;

export const isGenerationName = (name: string): boolean => /^g-[0-9TZ]+-[0-9a-f]+$/.test(name);

/** Sortable and unique: two commits within one millisecond still differ. */
export function generationId(now: Date, random: Uint8Array): string {
  return `g-${now.toISOString().replace(/[-:.]/g, '')}-${Buffer.from(random).toString('hex')}`;
}

/** The $0 of the registry service's entry shell: it marks a compose file whose registry restarts in place on HUP. */
export const SERVE_IN_PLACE = 'registry-setup-serve';
