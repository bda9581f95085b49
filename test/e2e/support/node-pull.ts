import type { ExecResult, LanNode } from './lan-node.js';

/**
 * Pulls on a lan node by the runtimes that trust-node configures besides dockerd, each reading
 * only the files a real install of it reads (FACTS.md "containerd on a LAN node", "podman").
 */
export interface PullOptions {
  /** user:password, for a registry behind auth (test-only argv). */
  creds?: string;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** containerd: the node's dockerd runs one in the node's private /run; ctr reads hosts.toml from certs.d. */
export function ctrPull(node: LanNode, ref: string, opts: PullOptions = {}): Promise<ExecResult> {
  const user = opts.creds ? ` --user ${q(opts.creds)}` : '';
  return node.exec(`ctr --address /run/docker/containerd/containerd.sock --namespace rs-test images pull${user} --hosts-dir /etc/containerd/certs.d ${q(ref)}`);
}

let fresh = 0;

/**
 * podman, rootful, with a fresh store each time (its flags hold only on a fresh --root), in a
 * private mount namespace in which docker's certs.d is hidden: podman falls back to it, and a
 * proof of podman's own files must not pass on docker's. It reads /etc/containers as it is.
 */
export function podmanPull(node: LanNode, ref: string, opts: PullOptions = {}): Promise<ExecResult> {
  const t = `/var/lib/containers/rs-test-${process.pid}-${++fresh}`;
  const creds = opts.creds ? ` --creds ${q(opts.creds)}` : '';
  const podman = `podman --root ${t}/root --runroot ${t}/run --storage-driver vfs --tmpdir ${t}/tmp --network-config-dir ${t}/net --events-backend none`;
  const script = [
    `trap 'rm -rf ${t}' EXIT`,
    `mkdir -p ${t}/tmp ${t}/net || exit 1`,
    '[ ! -d /etc/docker/certs.d ] || mount -t tmpfs tmpfs /etc/docker/certs.d || exit 1',
    `${podman} pull${creds} ${q(ref)}`,
  ].join('\n');
  return node.exec(`unshare -m --propagation private sh -c ${q(script)}`);
}
