import { FailError } from '../../errors.js';
import { confirmOrCancel } from '../../io/confirm.js';
import { createOutput, type Output } from '../../io/output.js';
import type { Prompter } from '../../io/prompt.js';
import type { RegistryClient } from '../../registry/client.js';
import { connectRegistry, type ConnectDeps } from '../../registry/connect.js';
import { applyDeletions, probeDeleteBehaviour } from '../../registry/deletions.js';
import { RegistryError } from '../../registry/errors.js';
import { readTagDigests } from '../../registry/inventory.js';
import type { ImageRef } from '../../registry/refs.js';
import { planRm, type RmFacts } from './plan.js';
import { printRmPlan, printRmResult, rmQuestion } from './report.js';
import { resolveRm, type RmFlags } from './resolve.js';

export interface RmDeps extends ConnectDeps {
  out?: Output;
  prompter?: () => Promise<Prompter>;
}

/** resolve → read what the references name → plan → (dry run | ask) → delete → report. */
export async function rm(refArgs: string[], flags: RmFlags, deps: RmDeps = {}): Promise<void> {
  const out = deps.out ?? createOutput({ json: flags.json });
  const opts = resolveRm(refArgs, flags, out, deps.interactive);
  const client = await connectRegistry(opts.connection, out, { ...deps, target: opts.target });
  try {
    const facts = await readRmFacts(client, opts.refs);
    const plan = planRm(opts.refs, facts, opts.allTags);
    const problems = [...plan.missing, ...plan.refusals];
    if (problems.length > 0) throw new FailError(`${problems.join('; ')} (nothing was deleted)`);
    // The plan is shown for a dry run, and above the question; --yes goes straight to the results.
    if (opts.dryRun || !opts.yes) printRmPlan(out, client.address, facts.behaviour, plan.actions, opts.dryRun);
    if (opts.dryRun) return;
    await confirmOrCancel(rmQuestion(plan.actions, client.address), opts, deps.prompter);
    const outcomes = await applyDeletions(client, plan.actions);
    printRmResult(out, client.address, facts.behaviour, plan.actions, outcomes);
    const failed = outcomes.filter((o) => o.result === 'failed');
    if (failed.length > 0) throw new FailError(`${failed.length} of ${outcomes.length} deletions failed: ${failed[0]!.error}`);
  } finally {
    await client.close();
  }
}

/** The registry's delete behaviour (asked, not guessed), and tag → digest for each repository named. */
async function readRmFacts(client: RegistryClient, refs: ImageRef[]): Promise<RmFacts> {
  const repos = [...new Set(refs.map((r) => r.repo))];
  const behaviour = await probeDeleteBehaviour(client, repos[0]!);
  const tags = new Map<string, Map<string, string>>();
  const digests = new Set<string>();
  await Promise.all(repos.map(async (repo) => {
    try {
      tags.set(repo, await readTagDigests(client, repo));
    } catch (err) {
      if (!(err instanceof RegistryError && err.status === 404)) throw err;
    }
  }));
  await Promise.all(refs.filter((r) => r.digest && tags.has(r.repo)).map(async (r) => {
    if ((await client.manifestDigest(r.repo, r.digest!)) !== null) digests.add(`${r.repo}@${r.digest}`);
  }));
  return { behaviour, tags, digests };
}
