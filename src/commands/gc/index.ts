import { readComposeFacts } from '../../bundle/compose-facts.js';
import { readOptional } from '../../bundle/load.js';
import { openBundleState } from '../../bundle/open.js';
import { BUNDLE_FILES } from '../../bundle/state.js';
import { acquireLock } from '../../io/bundle-lock.js';
import { confirmOrCancel } from '../../io/confirm.js';
import { currentGeneration } from '../../io/generations.js';
import { markCommitted } from '../../io/interrupt.js';
import { createOutput, type Output } from '../../io/output.js';
import type { Prompter } from '../../io/prompt.js';
import { createComposeStack } from '../../stack/compose-stack.js';
import type { StackControl } from '../../stack/stack-control.js';
import { hostStorageRoot } from '../../storage/filesystem.js';
import { collect, type Collected } from './collect.js';
import { planGc, type GcPlan } from './plan.js';
import { confirmQuestion, printGc } from './report.js';
import { resolveGcFlags, type GcFlags } from './resolve.js';
import { collectReadOnly, type GcContext } from './window.js';

export interface GcDeps {
  out?: Output;
  stack?: (dir: string) => StackControl;
  prompter?: () => Promise<Prompter>;
  interactive?: boolean;
}

/** resolve → plan → (dry run, or ask) → collect, read-only where the stack runs → report. */
export async function gc(flags: GcFlags, deps: GcDeps = {}): Promise<void> {
  const opts = resolveGcFlags(flags, deps.interactive);
  const out = deps.out ?? createOutput({ json: opts.json });
  const { dir, state } = openBundleState(opts.dir, out); // the sweep also undoes a killed gc's window
  const facts = readComposeFacts(readOptional(dir, BUNDLE_FILES.compose) ?? '');
  const plan = planGc(state, facts, currentGeneration(dir), opts);
  for (const w of plan.warnings) out.warn(w);
  const stack = (deps.stack ?? createComposeStack)(dir);
  const ctx: GcContext = { dir, state, plan, stack, out, storageRoot: hostStorageRoot(dir, readOptional(dir, BUNDLE_FILES.config) ?? '') };
  const online = stack.isRunning('registry');
  const base = { mode: plan.mode, image: plan.image, offline: !online, warnings: plan.warnings };

  if (opts.dryRun || (opts.interactive && !opts.yes)) {
    out.progress(`• garbage-collect --dry-run (${online ? 'in the running registry' : 'in a one-off container'})…`);
    const preview = collectWith(ctx, online, true);
    if (opts.dryRun) return printGc(out, { ...base, ...preview, dryRun: true, readOnlyMs: null, outagesMs: null });
    await confirmOrCancel(confirmQuestion(preview, plan.mode), { ...opts, dryRun: false }, deps.prompter);
  }

  const lock = acquireLock(dir);
  try {
    if (online) {
      const r = await collectReadOnly(ctx);
      return printGc(out, { ...base, ...r, dryRun: false });
    }
    // Nothing runs, so nothing can write, and there is nothing to switch back: once it starts, it finishes.
    markCommitted();
    out.progress('• garbage-collect in a one-off container (the stack is not running)…');
    printGc(out, { ...base, ...collectWith(ctx, false, false), dryRun: false, readOnlyMs: null, outagesMs: null });
  } finally {
    lock.release();
  }
}

/** garbage-collect in the running registry's container, or in a one-off one of its service. */
function collectWith(ctx: GcContext, online: boolean, dryRun: boolean): Collected {
  const args = dryRun ? dryRunArgs(ctx.plan) : ctx.plan.args;
  return collect(ctx.storageRoot, dryRun, (file) =>
    online ? ctx.stack.exec('registry', ['registry', ...args], { stdoutFile: file }) : ctx.stack.runOnce('registry', args, { stdoutFile: file }));
}

const dryRunArgs = (plan: GcPlan) => [plan.args[0]!, '--dry-run', ...plan.args.slice(1).filter((a) => a !== '--dry-run')];
