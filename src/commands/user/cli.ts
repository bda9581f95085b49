import type { Command } from 'commander';
import { collect } from '../cli-helpers.js';

export function registerUser(program: Command): void {
  const user = program
    .command('user')
    .description("add, remove or list registry users: auth/htpasswd, or auth/auth_config.yml with token auth (takes effect with no restart)");
  user
    .command('add <name>')
    .description('add a user (bcrypt, at the cost recorded at init); refuses an existing one unless --update')
    .option('--dir <dir>', 'the bundle', './registry')
    .option('--password-stdin', 'read the password from stdin (without it, a terminal asks twice)')
    .option('--generate', 'generate a strong random password and print it once')
    .option('--update', "change the password if the user exists (add it otherwise); keeps the role and repos you do not pass")
    .option('--role <role>', 'token auth: pull (read), push (read and write) or admin (also delete and list the catalog)')
    .option('--repo <glob>', 'token auth: limit the user to repositories matching this glob, e.g. team-a/* (repeatable)', collect)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Examples:
  $ registry-setup user add ci --generate
  $ registry-setup user add deployer --role pull --generate                 # token auth
  $ registry-setup user add team-a-ci --role push --repo 'team-a/*' --generate
  $ printf '%s' "$PASS" | registry-setup user add ci --password-stdin --update`)
    .action(async (name, opts) => (await import('./index.js')).userAdd(name, opts));
  user
    .command('rm <name>')
    .description('remove a user; their next request gets 401')
    .option('--dir <dir>', 'the bundle', './registry')
    .option('--json', 'print the result as JSON')
    .action(async (name, opts) => (await import('./index.js')).userRm(name, opts));
  user
    .command('ls')
    .description('list users with their roles and repositories (never hashes)')
    .option('--dir <dir>', 'the bundle', './registry')
    .option('--json', 'print the users as JSON (htpasswd: an array of names)')
    .action(async (opts) => (await import('./index.js')).userLs(opts));
}
