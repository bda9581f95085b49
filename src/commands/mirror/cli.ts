import type { Command } from 'commander';

export function registerMirror(program: Command): void {
  const mirror = program
    .command('mirror')
    .description('add, remove or list pull-through caches: each a registry of its own that fetches one upstream once for the whole LAN')
    .addHelpText('after', `
A mirror serves pulls only (a push gets 405 UNSUPPORTED), at the bundle's main address
on its own port, with the bundle's certificate; nodes trust it with trust-node. It asks
for no login unless the bundle was made with --mirror-auth: dockerd sends none to mirrors.
Its cache lives in mirror-data/NAME/ (kept by mirror rm; delete it yourself).

Examples:
  $ registry-setup mirror add docker.io                    # the next free port from 5010
  $ registry-setup mirror add ghcr.io --port 5020
  $ registry-setup mirror add corp=https://registry.corp.example   # any other registry
  $ printf '%s\\n%s\\n' "$HUB_USER" "$HUB_TOKEN" | registry-setup mirror add docker.io --credentials-stdin
  $ registry-setup mirror rm ghcr.io
  $ registry-setup mirror ls --json`);
  mirror
    .command('add <upstream>')
    .description('run a pull-through cache of UPSTREAM: docker.io, ghcr.io, quay.io, registry.k8s.io, gcr.io, or NAME=https://URL')
    .option('--dir <dir>', 'the bundle', './registry')
    .option('--port <n>', 'the port nodes reach it on (default: the next free one from 5010)')
    .option('--credentials-stdin', 'read an upstream login from stdin: a user line, then a password line (kept only in env/mirror-NAME.env, 0600)')
    .option('--force', 'replace docker-compose.yml (and nginx/registry.conf) even if edited by hand; the previous generation keeps them')
    .option('--dry-run', 'list the files that would change; write nothing')
    .option('--json', 'print the result as JSON')
    .action(async (upstream, opts) => (await import('./index.js')).mirrorAdd(upstream, opts));
  mirror
    .command('rm <upstream>')
    .description('remove a mirror; the others keep running, and its cache directory is kept')
    .option('--dir <dir>', 'the bundle', './registry')
    .option('--force', 'replace docker-compose.yml (and nginx/registry.conf) even if edited by hand; the previous generation keeps them')
    .option('--dry-run', 'list the files that would change; write nothing')
    .option('--json', 'print the result as JSON')
    .action(async (upstream, opts) => (await import('./index.js')).mirrorRm(upstream, opts));
  mirror
    .command('ls')
    .description('list the mirrors: upstream, where it is fetched from, address, service')
    .option('--dir <dir>', 'the bundle', './registry')
    .option('--json', 'print the mirrors as JSON')
    .action(async (opts) => (await import('./index.js')).mirrorLs(opts));
}
