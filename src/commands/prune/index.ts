import { FailError } from '../../errors.js';
import { confirmOrCancel } from '../../io/confirm.js';
import { createOutput, type Output } from '../../io/output.js';
import { createProgressLine, type ProgressStream } from '../../io/progress-line.js';
import type { Prompter } from '../../io/prompt.js';
import { connectRegistry, type ConnectDeps } from '../../registry/connect.js';
import { applyDeletions, probeDeleteBehaviour } from '../../registry/deletions.js';
import { readInventory } from '../../registry/inventory.js';
import { matchRepos, selectPrune } from './plan.js';
import { printPrunePlan, printPruneResult } from './report.js';
import { resolvePrune, type PruneFlags } from './resolve.js';

export interface PruneDeps extends ConnectDeps {
  out?: Output;
  now?: Date;
  prompter?: () => Promise<Prompter>;
  progress?: ProgressStream;
}

/** resolve → read the matching repositories → select (pure) → (dry run | ask) → delete → report. */
export async function prune(flags: PruneFlags, deps: PruneDeps = {}): Promise<void> {
  const opts = resolvePrune(flags, deps.interactive);
  const out = deps.out ?? createOutput({ json: flags.json });
  const client = await connectRegistry(opts.connection, out, deps);
  const progress = createProgressLine(deps.progress);
  try {
    const repos = matchRepos(await client.catalog(), opts.repos.map((r) => r.pattern));
    const inventory = await readInventory(client, repos, (done, total) => progress.update(`• reading ${repos.length} repositories: ${done}/${total} tags`));
    progress.done();
    // Asked of the registry even for --dry-run: on 2.x, which tags are skipped depends on it.
    const behaviour = repos.length > 0 ? await probeDeleteBehaviour(client, repos[0]!) : 'untag';
    const selection = selectPrune(inventory, { keep: opts.keep, olderThanDays: opts.olderThanDays, protect: opts.protect.pattern, now: deps.now ?? new Date(), behaviour });
    // With --yes the DELETEs are listed once, with their results, below the decisions.
    printPrunePlan(out, client.address, opts, selection, opts.dryRun || !opts.yes);
    if (opts.dryRun || selection.actions.length === 0) return printPruneResult(out, client.address, behaviour, opts, selection, null);
    await confirmOrCancel(`Delete ${selection.actions.length === 1 ? 'this' : `these ${selection.actions.length}`} from ${client.address}?`, opts, deps.prompter);
    const outcomes = await applyDeletions(client, selection.actions);
    printPruneResult(out, client.address, behaviour, opts, selection, outcomes);
    const failed = outcomes.filter((o) => o.result === 'failed');
    if (failed.length > 0) throw new FailError(`${failed.length} of ${outcomes.length} deletions failed: ${failed[0]!.error}`);
  } finally {
    progress.done();
    await client.close();
  }
}
