import type { Command } from 'commander';
import { addConnectionOptions, CREDENTIALS_HELP } from '../connection-options.js';

export function registerRm(program: Command): void {
  addConnectionOptions(
    program
      .command('rm')
      .argument('<ref...>', 'REPO:TAG or REPO@sha256:DIGEST')
      .description('delete tags or manifests from the registry (asks first on a terminal; scripts pass --yes)'),
  )
    .option('--dry-run', 'say exactly what would be deleted; delete nothing')
    .option('--yes', 'delete without asking (required without a terminal)')
    .option('--all-tags', 'on a registry that deletes only by digest (2.x): also delete the other tags on the same digest')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Registry 3.x untags REPO:TAG: other tags on the same digest stay. Registry 2.x can
only delete by digest, which removes every tag on it: rm then refuses, naming the
other tags, unless --all-tags. Which one you have is asked of the registry itself,
with a DELETE that cannot match anything. REPO@DIGEST deletes the manifest and
every tag on it, on both.

Deleting frees no disk space until \`registry-setup gc\` runs.
${CREDENTIALS_HELP}

Examples:
  $ registry-setup rm team/app:old --dir /srv/registry
  $ registry-setup rm team/app@sha256:4f0c…e1 --yes --json
  $ registry-setup rm team/app:v1 team/app:v1.0 --all-tags --dry-run`)
    .action(async (refs: string[], opts) => (await import('./index.js')).rm(refs, opts));
}
