import { UsageError } from '../../errors.js';
import { openBundleState } from '../../bundle/open.js';
import { readNodeLogin } from '../../bundle/node-login.js';
import { createOutput, type Output } from '../../io/output.js';
import { parseDir } from '../../options/values.js';
import { parseRegistryAddress } from '../../pki/hosts.js';
import { generatedLogin, namedLogin, resolveLoginChoice, type LoginDeps } from '../node-login.js';
import { bundleAddresses } from '../trust-node/resolve.js';
import { renderDockerConfigJson, renderPullSecret } from './plan.js';

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

// Kubernetes' own rules: a Secret's name is a DNS subdomain, a namespace a DNS label.
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function parseK8sName(value: string, flag: string, re: RegExp, max: number): string {
  if (value.length > max || !re.test(value)) {
    throw new UsageError(`${flag} ${JSON.stringify(value)} is not a Kubernetes name: lower-case letters, digits and '-'${re === SUBDOMAIN ? " or '.'" : ''}, at most ${max} characters`);
  }
  return value;
}

export async function k8sSecret(flags: K8sSecretFlags, deps: LoginDeps & { out?: Output } = {}): Promise<void> {
  const dir = parseDir(flags.dir);
  const choice = resolveLoginChoice({ user: flags.user, passwordStdin: flags.passwordStdin, generate: flags.generate }, { user: '--user', generate: '--generate' });
  const name = parseK8sName(flags.name, '--name', SUBDOMAIN, 253);
  const namespace = flags.namespace === undefined ? null : parseK8sName(flags.namespace, '--namespace', LABEL, 63);
  const out = deps.out ?? createOutput({ json: flags.json });
  const state = openBundleState(dir, out).state;
  if (state.mode === 'insecure') throw new UsageError(`${dir} is an insecure-mode bundle: it has no users, so a pull Secret has nothing to hold`);
  const addresses = flags.registry?.length ? [...new Set(flags.registry.map((r) => parseRegistryAddress(r).address))] : bundleAddresses(state);
  // Neither flag: the kept node login, when trust-node --login-generate made one.
  const kept = choice === null ? readNodeLogin(dir) : null;
  if (choice === null && kept === null) throw new UsageError('name the login the Secret holds: --user NAME (with --password-stdin), or --generate');
  let login = kept;
  if (!login && choice!.kind === 'user') login = await namedLogin(dir, choice!, '--user', deps);
  if (!login) {
    const made = await generatedLogin(dir, false, deps);
    if (made.action === 'created') out.progress(`created the node user ${made.login.user}; its password is kept in ${dir}/node-login/login.json (0600)`);
    login = made.login;
  }
  const config = renderDockerConfigJson(addresses, login);
  if (out.isJson) return out.json(JSON.parse(config));
  out.print(renderPullSecret({ name, namespace, dockerConfigJson: config }).trimEnd());
}
