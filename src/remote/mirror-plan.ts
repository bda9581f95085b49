import { KNOWN_UPSTREAMS } from '../mirrors/upstreams.js';
import { NODE } from './script-contract.js';

/** One pull-through cache as a node sees it: which upstream, and the address it answers on. */
export interface NodeMirror {
  /** What image references start with: docker.io, ghcr.io, … */
  upstream: string;
  /** host:port, the bundle's main address and the mirror's port (TLS, the bundle's certificate). */
  address: string;
}

/**
 * Where a node pulls an upstream from when its mirror cannot answer: containerd's `server`.
 * docker.io's API lives on registry-1.docker.io; any other name is its own registry. (The
 * record's `url` is where the MIRROR fetches from, which a test or a company may point elsewhere.)
 */
export function upstreamServer(upstream: string): string {
  return upstream === 'docker.io' ? KNOWN_UPSTREAMS['docker.io']! : `https://${upstream}`;
}

const WRITTEN = '# Written by registry-setup trust-node --mirrors.\n';

/** containerd: certs.d/UPSTREAM/hosts.toml, the mirror first (pull and resolve only), then the upstream. */
export function containerdMirrorFile(m: NodeMirror): [string, string] {
  const toml = `${WRITTEN}server = "${upstreamServer(m.upstream)}"\n\n[host."https://${m.address}"]\n  capabilities = ["pull", "resolve"]\n  ca = "${NODE.containerdCerts}/${m.address}/ca.crt"\n`;
  return [`${NODE.containerdCerts}/${m.upstream}/hosts.toml`, toml];
}

/** podman and CRI-O: one drop-in, a [[registry]] per upstream with its [[registry.mirror]]. */
export function podmanMirrorsFile(mirrors: NodeMirror[]): [string, string] {
  const blocks = mirrors.map((m) => `[[registry]]\nprefix = "${m.upstream}"\nlocation = "${m.upstream}"\n\n[[registry.mirror]]\nlocation = "${m.address}"\n`);
  return [NODE.podmanMirrors, `${WRITTEN}${blocks.join('\n')}`];
}

/** dockerd: `registry-mirrors` serves docker.io only, so only that mirror goes in daemon.json. */
export function dockerMirrorEntries(mirrors: NodeMirror[]): string[] {
  return mirrors.filter((m) => m.upstream === 'docker.io').map((m) => `https://${m.address}`);
}

/** What dockerd is told about a mirror it cannot use, said on every docker node. */
export function dockerCannotUse(m: NodeMirror): string {
  return `dockerd mirrors only docker.io, so it cannot use the mirror of ${m.upstream}; pull through it by name instead (docker pull ${m.address}/NAME:TAG), or with containerd or podman, which trust-node pointed at it`;
}
