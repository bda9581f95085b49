import { Option, type Command } from 'commander';
import { collect } from '../cli-helpers.js';

export function registerRenew(program: Command): void {
  program
    .command('renew')
    .description('issue a new server certificate from the same CA when the current one expires within the window; the CA is never replaced')
    .option('--dir <dir>', 'the bundle', './registry')
    .option('--within <days>', 'renew when the certificate ends within this many days (default 30)')
    .option('--days <n>', 'validity of the new certificate (default: the one recorded at init); recorded for next time')
    .option('--force', 'renew now, whatever the dates; also replaces a key that does not match its certificate')
    .option('--add-host <addr>', 'add an IP or DNS name to the certificate (repeatable); recorded in registry-setup.yml', collect)
    .option('--ca-cert <file>', "the bundle's CA certificate, for a bundle made with an outside CA")
    .option('--ca-key <file>', "that CA's private key (read, never copied into the bundle)")
    .option('--reload', 'make the running stack serve it: restart the registry (tls) or reload nginx (proxy) with docker compose')
    .option('--dry-run', 'say what would be issued and replaced; write nothing')
    .option('--json', 'print the result as JSON')
    .option('--install-timer', 'install a daily systemd timer (or a cron entry without systemd) that runs renew --reload')
    .addOption(new Option('--root <dir>', 'with --install-timer: write under this root instead of / (for tests)').hideHelp())
    .addHelpText('after', `
"Nothing to do" exits 0, so a timer never reports a failure for it.
The key and certificate change as one set; the old pair stays in the previous generation (.gen/).

Examples:
  $ registry-setup renew --dir /srv/registry --reload
  $ registry-setup renew --force --add-host registry.example.com
  $ registry-setup renew --ca-cert company-ca.pem --ca-key company-ca.key
  $ sudo registry-setup renew --dir /srv/registry --install-timer`)
    .action(async (opts) => (await import('./index.js')).renew(opts));
}
