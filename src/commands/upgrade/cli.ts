import type { Command } from 'commander';

export function registerUpgrade(program: Command): void {
  program
    .command('upgrade')
    .description("rewrite the bundle's docker-compose.yml (and config) to this release's pinned images and layout, as one change")
    .option('--dir <dir>', 'the bundle', './registry')
    .option('--dry-run', 'say what would change, file by file; write nothing')
    .option('--reload', 'then recreate the containers: docker compose pull (an image already here is fine offline), then up -d')
    .option('--force', 'also replace files edited by hand since registry-setup wrote them')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
No question is asked: the previous generation (ls DIR/.gen) keeps every replaced file.
A file edited by hand since registry-setup wrote it is refused, with what would
change, unless --force. A bundle from before hashes were recorded is upgraded as it is.

Examples:
  $ registry-setup upgrade --dir /srv/registry --dry-run
  $ registry-setup upgrade --dir /srv/registry --reload`)
    .action(async (opts) => (await import('./index.js')).upgrade(opts));
}
