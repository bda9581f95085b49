import type { Command } from 'commander';

export function registerUser(program: Command): void {
  const user = program
    .command('user')
    .description("add, remove or list registry users in the bundle's auth/htpasswd (takes effect with no restart)");
  user
    .command('add <name>')
    .description('add a user (bcrypt, at the cost recorded at init); refuses an existing one unless --update')
    .option('--dir <dir>', 'the bundle', './registry')
    .option('--password-stdin', 'read the password from stdin (without it, a terminal asks twice)')
    .option('--generate', 'generate a strong random password and print it once')
    .option('--update', "change the password if the user exists (add it otherwise)")
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Examples:
  $ registry-setup user add ci --generate
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
    .description('list user names (never hashes)')
    .option('--dir <dir>', 'the bundle', './registry')
    .option('--json', 'print the names as a JSON array')
    .action(async (opts) => (await import('./index.js')).userLs(opts));
}
