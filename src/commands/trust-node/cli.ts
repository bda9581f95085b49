import type { Command } from 'commander';
import { collect } from '../cli-helpers.js';

/** Flags both commands share: which hosts, how to reach them, which registry. */
function withFleetFlags(cmd: Command): Command {
  return cmd
    .argument('[hosts...]', '[user@]host or ssh://[user@]host[:port]; IPv6 in brackets')
    .option('--dir <dir>', 'the bundle made by init', './registry')
    .option('--registry <host:port>', 'a registry address to use instead of every --host in the bundle (repeatable)', collect)
    .option('--inventory <file>', 'a file with one host per line (# comments, blank lines)', collect)
    .option('--identity <file>', 'an ssh private key (repeatable)', collect)
    .option('--ssh-option <key=value>', 'an ssh -o option (repeatable)', collect)
    .option('--ssh-port <n>', 'ssh port for hosts that do not name one')
    .option('--accept-new-host-keys', 'accept the host key of a host never seen before (StrictHostKeyChecking=accept-new)')
    .option('--concurrency <n>', 'hosts handled at once', '16')
    .option('--timeout <seconds>', 'limit per host', '60')
    .option('--dry-run', "print each host's ssh command and script; connect to nothing")
    .option('--json', 'print the results as JSON');
}

export function registerTrustNode(program: Command): void {
  withFleetFlags(
    program
      .command('trust-node')
      .description('make nodes trust the registry over ssh: certs.d (tls, proxy) or insecure-registries, never restarting docker'),
  )
    .option('--mode <mode>', 'certs | insecure (default: certs for tls and proxy bundles, insecure for an insecure bundle)')
    .option('--runtime <name>', 'docker | containerd | podman | all (repeatable; default: what each node has)', collect)
    .option('--system-trust', "also add the CA to the node's OS trust store")
    .option('--hosts-entry', "add 'IP name' to /etc/hosts where a registry name does not resolve on the node")
    .option('--hosts-ip <ip>', "the IP for --hosts-entry (default: the bundle's first IP host)")
    .option('--check', "report each host's trust state; change nothing (exit 1 if any host is not trusted)")
    .option('--login <user>', "also log each node in as this registry user: root's docker config.json, k3s/RKE2 registries.yaml")
    .option('--password-stdin', 'read the --login password from stdin (without it, a terminal asks)')
    .option('--login-generate', 'log nodes in as the bundle\'s node user, made once and kept in the bundle (0600)')
    .option('--restart-k3s', 'restart k3s/RKE2 after registries.yaml changed (they read it only at start)')
    .option('--mirrors', "point every runtime at the bundle's pull-through caches (default when the bundle has mirrors): dockerd's registry-mirrors for docker.io only, containerd's certs.d/UPSTREAM/hosts.toml, podman's registries.conf.d, k3s/RKE2's registries.yaml")
    .option('--no-mirrors', "leave the nodes' mirror settings alone")
    .addHelpText('after', `
Examples:
  $ registry-setup trust-node --dir ./registry root@10.0.0.11 admin@10.0.0.12 ssh://root@[fd00::13]:2222
  $ registry-setup trust-node --inventory nodes.txt --identity ~/.ssh/fleet --concurrency 50
  $ registry-setup trust-node --inventory nodes.txt --check --json
  $ registry-setup trust-node --inventory nodes.txt --login-generate      # nodes pull with no docker login
  $ printf '%s' "$PASS" | registry-setup trust-node --login puller --password-stdin root@10.0.0.11
  $ registry-setup trust-node --inventory nodes.txt --no-mirrors          # the registry only, not its mirrors`)
    .action(async (hosts: string[], opts) => (await import('./index.js')).trustNode(hosts, opts));

  withFleetFlags(program.command('untrust-node').description('remove exactly what trust-node added on these nodes, and nothing else'))
    .option('--no-mirrors', "leave what trust-node set up for the bundle's mirrors")
    .option('--restart-k3s', 'restart k3s/RKE2 after registries.yaml changed (they read it only at start)')
    .action(async (hosts: string[], opts) => (await import('./index.js')).untrustNode(hosts, opts));
}
