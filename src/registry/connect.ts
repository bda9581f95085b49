import type { Output } from '../io/output.js';
import type { ConnectionOptions } from '../options/connection.js';
import { RegistryClient } from './client.js';
import { credentialSource, type CredentialDeps } from './credentials.js';
import { resolveTarget, type RegistryTarget } from './target.js';

export interface ConnectDeps extends CredentialDeps {
  /** A target chosen by the caller (tests, gc's temporary instance) instead of --dir/--registry. */
  target?: RegistryTarget;
}

/**
 * The registry a command works on, reachable and authenticated: the target from
 * the bundle or --registry, credentials asked for only if GET /v2/ says 401.
 * Every command that talks to a running registry starts here.
 */
export async function connectRegistry(opts: ConnectionOptions, out: Pick<Output, 'warn'>, deps: ConnectDeps = {}): Promise<RegistryClient> {
  const target = deps.target ?? resolveTarget(opts, out);
  const credentials = credentialSource(target.address, { user: opts.user, passwordStdin: opts.passwordStdin }, deps);
  const client = new RegistryClient(target, credentials, {
    concurrency: opts.concurrency, timeoutMs: opts.timeoutMs, pageSize: opts.pageSize,
    userAgent: `registry-setup/${process.env.npm_package_version ?? '0.1.0'}`,
  });
  try {
    await client.ping();
  } catch (err) {
    await client.close();
    throw err;
  }
  return client;
}
