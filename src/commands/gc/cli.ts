import type { Command } from 'commander';

export function registerGc(program: Command): void {
  program
    .command('gc')
    .description('garbage-collect the running registry: free the blobs no image needs, and drop repositories with no tag from the catalog')
    .option('--dir <dir>', 'the bundle', './registry')
    .option('--dry-run', "run garbage-collect's own --dry-run and say what would go; change nothing")
    .option('--delete-untagged', 'also delete manifests no tag points to (refused on registry 2.x, see below)')
    .option('--force', 'with --delete-untagged on registry 2.x: run it anyway')
    .option('--yes', 'do not ask (required without a terminal)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
No blob may be written while garbage-collect runs, so gc holds writes off meanwhile:
  proxy mode  a read-only registry starts on the same storage and nginx sends every
              request to it (graceful reload): pulls never stop, pushes get the
              registry's read-only error until gc is done.
  tls mode    nothing is in front, so the registry restarts read-only and back;
              gc reports how long clients could not connect.
The normal config comes back when gc ends, fails or is cancelled, and after a kill
the next registry-setup command (any of them) brings it back.

On registry 2.x, --delete-untagged can delete the images a multi-arch index points
to (distribution#3178): gc refuses it there unless --force.

Examples:
  $ registry-setup gc --dry-run
  $ registry-setup gc --yes --json`)
    .action(async (opts) => (await import('./index.js')).gc(opts));
}
