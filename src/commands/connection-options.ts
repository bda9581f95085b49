import { Option, type Command } from 'commander';
import { DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT_S } from '../options/connection-defaults.js';

/** The flags of every command that talks to a running registry; options/connection.ts checks them. */
export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--dir <dir>', "the bundle: its registry's main address, trusted with its ca/ca.crt only (default ./registry)")
    .option('--registry <host:port>', 'any registry, without a bundle (with --ca FILE, or --insecure for plain HTTP)')
    .option('--ca <file>', 'with --registry: the CA certificate(s) to trust, in PEM (default: the system roots)')
    .option('--insecure', 'with --registry: plain HTTP, no TLS')
    .option('--user <name>', 'log in as this user (with --password-stdin, or asked on a terminal)')
    .option('--password-stdin', "read --user's password from stdin")
    .option('--concurrency <n>', `requests in flight at once (default ${DEFAULT_CONCURRENCY})`)
    .option('--timeout <seconds>', `limit per request (default ${DEFAULT_TIMEOUT_S})`)
    .addOption(new Option('--page-size <n>', 'entries per catalog and tag-list page (?n=)').hideHelp());
}

export const CREDENTIALS_HELP = `
Credentials, first found wins: --user NAME --password-stdin; the Docker client's
config ($DOCKER_CONFIG/config.json or ~/.docker/config.json: its credHelpers or
credsStore helper, then its auths entry); a hidden prompt on a terminal. A
registry that asks for none (an insecure bundle) gets none.`;
