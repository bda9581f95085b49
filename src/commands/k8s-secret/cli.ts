import type { Command } from 'commander';
import { collect } from '../cli-helpers.js';

export function registerK8sSecret(program: Command): void {
  program
    .command('k8s-secret')
    .description('print a kubernetes.io/dockerconfigjson Secret with a pull login for the registry, for kubectl apply -f -')
    .option('--dir <dir>', 'the bundle', './registry')
    .option('--user <name>', "a registry user whose login the Secret holds (its password from --password-stdin, or a terminal asks)")
    .option('--password-stdin', 'read the --user password from stdin')
    .option('--generate', "the bundle's node user, made once and kept in the bundle (the same as trust-node --login-generate)")
    .option('--namespace <ns>', 'metadata.namespace (default: none, so kubectl uses its current namespace)')
    .option('--name <name>', 'metadata.name', 'registry-setup-pull')
    .option('--registry <host:port>', 'a registry address to use instead of every --host in the bundle (repeatable)', collect)
    .option('--json', 'print the .dockerconfigjson document alone (not base64), for other tools')
    .addHelpText('after', `
Examples:
  $ registry-setup k8s-secret --generate --namespace apps | kubectl apply -f -
  $ printf '%s' "$PASS" | registry-setup k8s-secret --user puller --password-stdin --name pull > secret.yaml
Pods then name it: spec.imagePullSecrets: [{name: registry-setup-pull}]`)
    .action(async (opts) => (await import('./index.js')).k8sSecret(opts));
}
