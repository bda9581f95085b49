import type { KeyType } from '../pki/keys.js';
import type { MirrorRecord } from '../mirrors/upstreams.js';
import type { S3Record, StorageKind } from '../storage/s3-options.js';
import { renderTemplate } from '../render/templates.js';

export const MODES = ['tls', 'proxy', 'insecure'] as const;
export type Mode = (typeof MODES)[number];

/** htpasswd: the registry (or nginx) checks bcrypt on every request; token: docker_auth checks it once per login. */
export const AUTH_KINDS = ['htpasswd', 'token'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];
/** A record written before token auth has no `auth`: it is htpasswd. */
export const authOf = (state: Pick<BundleState, 'auth'>): AuthKind => state.auth ?? 'htpasswd';
/** A record written before S3 storage has neither field: filesystem, one instance. */
export const storageOf = (state: Pick<BundleState, 'storage'>): StorageKind => state.storage ?? 'filesystem';
export const replicasOf = (state: Pick<BundleState, 'replicas'>): number => state.replicas ?? 1;

/** The contract later commands rely on: these paths never move (bundle/layout.ts: they are links). */
export const BUNDLE_FILES = {
  caCert: 'ca/ca.crt',
  caKey: 'ca/ca.key',
  cert: 'certs/registry.crt',
  key: 'certs/registry.key',
  htpasswd: 'auth/htpasswd',
  /** Token auth: docker_auth's config (users, roles as an ACL, the token section), and the certificate the registry trusts. */
  authConfig: 'auth/auth_config.yml',
  tokenCert: 'auth/token.crt',
  /** The token-signing key: in a store of its own (.token), mounted only into the auth container. */
  tokenKey: 'token/token.key',
  config: 'config.yml',
  compose: 'docker-compose.yml',
  nginx: 'nginx/registry.conf',
  state: 'registry-setup.yml',
  /** trust-node --login-generate's user and password, 0600, in a store no container mounts. */
  nodeLogin: 'node-login/login.json',
  /** S3 storage: the store's keys and the registries' shared http.secret, 0600, read by compose (env_file) only. */
  registryEnv: 'env/registry.env',
} as const;

/** init's answers, minus secrets. */
export interface BundleState {
  version: 1;
  mode: Mode;
  hosts: string[];
  port: number;
  days: number;
  caDays: number;
  keyType: KeyType;
  /** RSA only: ECDSA keys are always P-256. */
  keySize?: number;
  caKeySize?: number;
  bcryptCost: number;
  /** Absent in records written before token auth: htpasswd. */
  auth?: AuthKind;
  /** Token auth: the registry's `service`, which docker_auth puts in every token's audience. */
  tokenService?: string;
  /** Token auth in tls mode: the port docker_auth serves its realm on, with the server certificate. */
  authPort?: number;
  /** Pull-through caches, each its own registry service on its own port (absent: none). */
  mirrors?: MirrorRecord[];
  /** --mirror-auth: the mirrors ask for the bundle's login too (absent: they serve anyone who reaches them). */
  mirrorAuth?: boolean;
  /** Absent in records written before S3 storage: filesystem (the bundle's data/). */
  storage?: StorageKind;
  /** storage s3: where the blobs go; the keys are in env/registry.env, never here. */
  s3?: S3Record;
  /** Registry instances behind nginx (storage s3, proxy mode); absent: 1. */
  replicas?: number;
  externalCa: boolean;
  image: string;
  createdAt: string;
}

/** Rendered from a template, not with the yaml library: init never loads a YAML parser (bench: init's start-up). */
export function renderState(state: BundleState): string {
  // An optional field left undefined is left out, not written as an empty value.
  return renderTemplate('registry-setup.yml.hbs', { fields: Object.fromEntries(Object.entries(state).filter(([, v]) => v !== undefined)) });
}

