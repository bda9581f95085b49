import type { Command } from 'commander';
import { collect } from '../cli-helpers.js';
import { addConnectionOptions, CREDENTIALS_HELP } from '../connection-options.js';

export function registerPrune(program: Command): void {
  addConnectionOptions(
    program
      .command('prune')
      .description('retention: in each repository keep the N most recently created tags and delete the older ones'),
  )
    .option('--keep <n>', 'tags to keep per repository, newest first by their image\'s created time (required)')
    .option('--older-than <days>', 'delete only tags created more than this many days ago')
    .option('--repo <glob>', 'only repositories matching (repeatable; * and ? stay within one path component, ** crosses them)', collect)
    .option('--protect <regex>', "tags matching are never deleted and do not count toward --keep (default ^latest$; '' protects none)")
    .option('--dry-run', 'print exactly what --yes would delete; delete nothing')
    .option('--yes', 'delete without asking (required without a terminal)')
    .option('--json', 'print the decisions and the result as JSON')
    .addHelpText('after', `
A digest that a kept tag points to is never deleted. Registry 3.x untags each
pruned tag; registry 2.x can only delete by digest, so there a tag sharing its
digest with a kept tag is skipped, and the output says so. Tags without a
created time (not images, or built without one) are kept.

Deleting frees no disk space until \`registry-setup gc\` runs.
${CREDENTIALS_HELP}

Examples:
  $ registry-setup prune --keep 10 --dry-run
  $ registry-setup prune --keep 5 --older-than 30 --repo 'team/*' --yes
  $ registry-setup prune --keep 3 --protect '^(latest|stable|v[0-9]+)$' --json --yes`)
    .action(async (opts) => (await import('./index.js')).prune(opts));
}
