import { UsageError } from '../../errors.js';
import type { BundleState } from '../../bundle/state.js';
import { parseDir } from '../../options/values.js';
import { parseRegistryAddress } from '../../pki/hosts.js';
import { resolveLoginChoice, type LoginChoice } from '../node-login.js';
import { bundleAddresses } from '../trust-node/resolve.js';

export interface K8sSecretFlags {
  dir: string;
  user?: string;
  passwordStdin?: boolean;
  generate?: boolean;
  namespace?: string;
  name: string;
  registry?: string[];
  json?: boolean;
}

export interface K8sSecretOptions {
  dir: string;
  name: string;
  namespace: string | null;
  /** null: neither --user nor --generate, so the kept node login, if there is one. */
  login: LoginChoice | null;
}

// Kubernetes' own rules: a Secret's name is a DNS subdomain, a namespace a DNS label.
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function parseK8sName(value: string, flag: string, re: RegExp, max: number): string {
  if (value.length > max || !re.test(value)) {
    throw new UsageError(`${flag} ${JSON.stringify(value)} is not a Kubernetes name: lower-case letters, digits and '-'${re === SUBDOMAIN ? " or '.'" : ''}, at most ${max} characters`);
  }
  return value;
}

/** Flags first, before the bundle is read or a password asked for. */
export function resolveK8sSecret(flags: K8sSecretFlags): K8sSecretOptions {
  return {
    dir: parseDir(flags.dir),
    login: resolveLoginChoice({ user: flags.user, passwordStdin: flags.passwordStdin, generate: flags.generate }, { user: '--user', generate: '--generate' }),
    name: parseK8sName(flags.name, '--name', SUBDOMAIN, 253),
    namespace: flags.namespace === undefined ? null : parseK8sName(flags.namespace, '--namespace', LABEL, 63),
  };
}

/** The addresses the Secret names: --registry, else every dialable host of the bundle. */
export function secretAddresses(flags: K8sSecretFlags, state: BundleState, dir: string): string[] {
  if (state.mode === 'insecure') throw new UsageError(`${dir} is an insecure-mode bundle: it has no users, so a pull Secret has nothing to hold`);
  return flags.registry?.length ? [...new Set(flags.registry.map((r) => parseRegistryAddress(r).address))] : bundleAddresses(state);
}
