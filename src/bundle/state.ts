import type { KeyType } from '../pki/keys.js';
import { renderTemplate } from '../render/templates.js';

export const MODES = ['tls', 'proxy', 'insecure'] as const;
export type Mode = (typeof MODES)[number];

/** The contract later commands rely on: these paths never move (bundle/layout.ts: they are links). */
export const BUNDLE_FILES = {
  caCert: 'ca/ca.crt',
  caKey: 'ca/ca.key',
  cert: 'certs/registry.crt',
  key: 'certs/registry.key',
  htpasswd: 'auth/htpasswd',
  config: 'config.yml',
  compose: 'docker-compose.yml',
  nginx: 'nginx/registry.conf',
  state: 'registry-setup.yml',
  /** trust-node --login-generate's user and password, 0600, in a store no container mounts. */
  nodeLogin: 'node-login/login.json',
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
  externalCa: boolean;
  image: string;
  createdAt: string;
}

/** Rendered from a template, not with the yaml library: init never loads a YAML parser (bench: init's start-up). */
export function renderState(state: BundleState): string {
  return renderTemplate('registry-setup.yml.hbs', { fields: state });
}

