import { randomBytes } from 'node:crypto';
import { FailError } from '../../errors.js';
import { readOptional } from '../../bundle/load.js';
import { openBundleState } from '../../bundle/open.js';
import { REGISTRY_IMAGE } from '../../bundle/plan-files.js';
import { acquireLock } from '../../io/bundle-lock.js';
import { commitChange } from '../../io/bundle-writer.js';
import { currentGeneration, writtenHashes } from '../../io/generations.js';
import { createOutput, type Output } from '../../io/output.js';
import { createComposeStack } from '../../stack/compose-stack.js';
import type { StackControl } from '../../stack/stack-control.js';
import { planUpgrade, type UpgradePlan } from './plan.js';
import { printRefusal, printUpgrade } from './report.js';
import { resolveUpgradeFlags, type UpgradeFlags } from './resolve.js';

export interface UpgradeDeps {
  out?: Output;
  stack?: (dir: string) => StackControl;
}

/** resolve → plan → (refuse edited files) → one commit → optionally pull and recreate → report. */
export async function upgrade(flags: UpgradeFlags, deps: UpgradeDeps = {}): Promise<void> {
  const opts = resolveUpgradeFlags(flags);
  const out = deps.out ?? createOutput({ json: flags.json });
  const { dir, state } = openBundleState(opts.dir, out);
  const lock = opts.dryRun ? null : acquireLock(dir);
  try {
    const generation = currentGeneration(dir);
    const plan = planUpgrade({ state, current: (path) => readOptional(dir, path), recorded: generation ? writtenHashes(dir, generation) : {}, pinned: REGISTRY_IMAGE });
    const edited = plan.files.filter((f) => f.status === 'edited');
    if (opts.dryRun) return printUpgrade(out, { dir, plan, dryRun: true, force: opts.force });
    if (edited.length > 0 && !opts.force) {
      printRefusal(out, edited);
      throw new FailError(`${edited.map((f) => f.path).join(' and ')} ${edited.length > 1 ? 'were' : 'was'} edited by hand since registry-setup wrote ${edited.length > 1 ? 'them' : 'it'}, and upgrade would replace ${edited.length > 1 ? 'them' : 'it'} (what would change is above); nothing was changed. Pass --force to upgrade anyway: the previous generation keeps your version`);
    }
    const changes = plan.files.filter((f) => f.status !== 'unchanged');
    const result = changes.length > 0
      ? await commitChange(dir, { files: changes.map(({ path, contents, mode }) => ({ path, contents, mode })) }, { now: new Date(), random: (n) => randomBytes(n) })
      : null;
    const pullNote = opts.reload ? recreate((deps.stack ?? createComposeStack)(dir), plan, out) : null;
    printUpgrade(out, { dir, plan, dryRun: false, force: opts.force, previous: result?.previous ?? null, converted: generation === null && result !== null, reloaded: opts.reload, pullNote });
  } finally {
    lock?.release();
  }
}

/**
 * `docker compose pull`, then `up -d`, which recreates whatever the new file changed.
 * Offline the pull fails; that is fine when every image is here already, and said.
 */
function recreate(stack: StackControl, plan: UpgradePlan, out: Output): string | null {
  out.progress('• docker compose pull…');
  const pull = stack.pull();
  let note: string | null = null;
  if (pull.exitCode !== 0) {
    const why = (pull.stderr || pull.stdout).trim().split('\n').pop() ?? `exit code ${pull.exitCode}`;
    const missing = plan.images.filter((image) => !stack.imagePresent(image));
    if (missing.length > 0) {
      throw new FailError(`the bundle is upgraded, but docker compose pull failed (${why}) and ${missing.join(', ')} is not on this host, so the containers were not recreated: pull or load it, then run: cd ${stack.dir} && docker compose up -d`);
    }
    note = `docker compose pull failed (${why}); ${plan.images.join(' and ')} ${plan.images.length > 1 ? 'are' : 'is'} already here, so the containers were made from ${plan.images.length > 1 ? 'them' : 'it'}`;
    out.warn(note);
  }
  out.progress('• docker compose up -d…');
  stack.up();
  return note;
}
