import type { Command } from 'commander';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("report the bundle's certificates, users and (with --probe) what the running registry serves; exit 1 when something needs action")
    .option('--dir <dir>', 'the bundle', './registry')
    .option('--within <days>', 'the renewal window: a certificate ending within it is "expiring" (default 30)')
    .option('--probe', 'also connect to the registry: TLS with the bundle CA, /v2/ asks for a password, served certificate is the one on disk')
    .option('--registry <host:port>', 'the address --probe connects to (default: the first host and port in registry-setup.yml)')
    .option('--json', 'print the report as one JSON document')
    .addHelpText('after', `
Exit codes: 0 all is well, 1 something needs action (each problem is listed), 2 usage error.

Examples:
  $ registry-setup status --dir /srv/registry
  $ registry-setup status --probe --json`)
    .action(async (opts) => (await import('./index.js')).status(opts));
}
