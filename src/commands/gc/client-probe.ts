import { FailError } from '../../errors.js';
import type { BundleState } from '../../bundle/state.js';
import { dialableHosts, registryAddress } from '../../pki/hosts.js';
import { startOutageProbe, type OutageProbe } from '../../stack/outage-probe.js';

/**
 * The probe that times a restart from a client's side: at the address clients use,
 * or on this machine's loopback when that name does not answer here (the published
 * port listens on every interface). Found before anything changes, so a registry that
 * cannot be seen from here is refused with nothing touched.
 */
export async function startClientProbe(state: BundleState): Promise<OutageProbe> {
  const scheme = state.mode === 'insecure' ? 'http' : 'https';
  const hosts = [...new Set([dialableHosts(state.hosts)[0] ?? state.hosts[0]!, '127.0.0.1'])];
  for (const host of hosts) {
    const probe = startOutageProbe({ scheme, host, port: state.port });
    try {
      await probe.waitUp(Date.now(), 3000);
      return probe;
    } catch {
      await probe.stop();
    }
  }
  const tried = hosts.map((h) => registryAddress(h, state.port)).join(' or ');
  throw new FailError(`the registry does not answer at ${tried} from here; gc restarts it, and times how long clients cannot connect, from this side: run it on the registry's host, with the stack up`);
}
