import type { Command } from 'commander';
import { addConnectionOptions, CREDENTIALS_HELP } from '../connection-options.js';

export function registerImages(program: Command): void {
  addConnectionOptions(
    program
      .command('images')
      .argument('[repo...]', 'repositories to list (default: every repository in the catalog)')
      .description('list every repository and tag in the registry: digest, image or index, platforms, compressed size, created'),
  )
    .option('--json', 'print one JSON document')
    .addHelpText('after', `${CREDENTIALS_HELP}

Sizes are the compressed layers (what a pull downloads), per platform for an
index. "created" comes from each image's config.

Examples:
  $ registry-setup images --dir /srv/registry
  $ registry-setup images team/app team/api --json
  $ registry-setup images --registry registry.lan:5000 --ca ca.crt --user ci --password-stdin < pass.txt`)
    .action(async (repos: string[], opts) => (await import('./index.js')).images(repos, opts));
}
