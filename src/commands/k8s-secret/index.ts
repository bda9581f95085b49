import { UsageError } from '../../errors.js';
import { openBundleState } from '../../bundle/open.js';
import { readNodeLogin, type NodeLogin } from '../../bundle/node-login.js';
import { createOutput, type Output } from '../../io/output.js';
import { generatedLogin, namedLogin, type LoginDeps } from '../node-login.js';
import { renderDockerConfigJson, renderPullSecret } from './plan.js';
import { resolveK8sSecret, secretAddresses, type K8sSecretFlags, type K8sSecretOptions } from './resolve.js';

export type { K8sSecretFlags } from './resolve.js';

/** resolve → the login (stdin, a prompt, or the kept node login) → render → print. */
export async function k8sSecret(flags: K8sSecretFlags, deps: LoginDeps & { out?: Output } = {}): Promise<void> {
  const opts = resolveK8sSecret(flags);
  const out = deps.out ?? createOutput({ json: flags.json });
  const addresses = secretAddresses(flags, openBundleState(opts.dir, out).state, opts.dir);
  const config = renderDockerConfigJson(addresses, await secretLogin(opts, out, deps));
  if (out.isJson) return out.json(JSON.parse(config));
  out.print(renderPullSecret({ name: opts.name, namespace: opts.namespace, dockerConfigJson: config }).trimEnd());
}

async function secretLogin({ dir, login }: K8sSecretOptions, out: Output, deps: LoginDeps): Promise<NodeLogin> {
  if (login?.kind === 'user') return namedLogin(dir, login, '--user', deps);
  if (login === null) {
    const kept = readNodeLogin(dir);
    if (kept) return kept;
    throw new UsageError('name the login the Secret holds: --user NAME (with --password-stdin), or --generate');
  }
  const made = await generatedLogin(dir, false, deps);
  if (made.action === 'created') out.progress(`created the node user ${made.login.user}; its password is kept in ${dir}/node-login/login.json (0600)`);
  if (made.warning) out.warn(made.warning);
  return made.login;
}
