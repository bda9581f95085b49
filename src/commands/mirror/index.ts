import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FailError } from '../../errors.js';
import { readOptional } from '../../bundle/load.js';
import { openBundleState } from '../../bundle/open.js';
import { BUNDLE_FILES } from '../../bundle/state.js';
import { currentGeneration, editedByHand, writtenHashes } from '../../io/generations.js';
import { readBundleState } from '../../bundle/read-state.js';
import { acquireLock } from '../../io/bundle-lock.js';
import { commitChange } from '../../io/bundle-writer.js';
import { createOutput, type Output } from '../../io/output.js';
import { parseDir } from '../../options/values.js';
import { credentialsWarning, mirrorDataPath, parseMirrorCredentials } from '../../mirrors/services.js';
import { planMirrorAdd, planMirrorRm, type MirrorPlan } from './plan.js';
import { printMirrorChange, printMirrors } from './report.js';
import { resolveMirrorFlags, type MirrorFlags } from './resolve.js';

export type { MirrorFlags } from './resolve.js';

export interface MirrorDeps {
  out?: Output;
  readStdin?: () => Promise<string>;
}

/**
 * resolve → (the login from stdin) → plan against the record as it is under the lock
 * → one commit → report. The cache directory is made after the commit: it is data,
 * outside the generations, like data/.
 */
export async function mirrorAdd(value: string, flags: MirrorFlags, deps: MirrorDeps = {}): Promise<void> {
  const opts = resolveMirrorFlags(value, flags);
  const out = deps.out ?? createOutput({ json: flags.json });
  const { dir, state } = openBundleState(opts.dir, out);
  // Checked once before stdin is read, so a refused add never swallows a login.
  planMirrorAdd(state, opts.value, opts.port, null);
  const credentials = opts.credentialsStdin
    ? parseMirrorCredentials(await (deps.readStdin ?? (async () => (await import('../../io/stdin.js')).readStdin()))(), '--credentials-stdin')
    : null;
  if (opts.dryRun) return printMirrorChange(out, { dir, kind: 'add', plan: planMirrorAdd(state, opts.value, opts.port, credentials), dryRun: true });
  const { plan, previous } = await commitUnderLock(dir, opts.force, (now) => planMirrorAdd(now, opts.value, opts.port, credentials));
  mkdirSync(join(dir, mirrorDataPath(plan.mirror)), { recursive: true, mode: 0o700 });
  if (credentials) out.warn(credentialsWarning(plan.mirror));
  printMirrorChange(out, { dir, kind: 'add', plan, dryRun: false, previous });
}

export async function mirrorRm(value: string, flags: MirrorFlags, deps: MirrorDeps = {}): Promise<void> {
  const opts = resolveMirrorFlags(value, flags, true);
  const out = deps.out ?? createOutput({ json: flags.json });
  const { dir, state } = openBundleState(opts.dir, out);
  if (opts.dryRun) return printMirrorChange(out, { dir, kind: 'rm', plan: planMirrorRm(state, opts.upstream), dryRun: true });
  const { plan, previous } = await commitUnderLock(dir, opts.force, (now) => planMirrorRm(now, opts.upstream));
  printMirrorChange(out, { dir, kind: 'rm', plan, dryRun: false, previous });
}

export async function mirrorLs(flags: MirrorFlags, deps: MirrorDeps = {}): Promise<void> {
  const out = deps.out ?? createOutput({ json: flags.json });
  const { state } = openBundleState(parseDir(flags.dir ?? './registry'), out);
  printMirrors(out, state);
}

/** The record is read again under the lock: another command may have changed it since. */
async function commitUnderLock(dir: string, force: boolean, plan: (state: ReturnType<typeof readBundleState>) => MirrorPlan): Promise<{ plan: MirrorPlan; previous: string | null }> {
  const lock = acquireLock(dir);
  try {
    const p = plan(readBundleState(dir));
    if (!force) refuseHandEdits(dir, p);
    const result = await commitChange(dir, { files: p.files, remove: p.remove }, { now: new Date(), random: (n) => randomBytes(n) });
    return { plan: p, previous: result.previous };
  } finally {
    lock.release();
  }
}

/**
 * The compose file and nginx's are regenerated whole, so an edit made by hand since
 * registry-setup wrote them (upgrade's test: the live generation's recorded hash) would
 * be lost: refused, unless --force (the previous generation keeps the edited one).
 */
function refuseHandEdits(dir: string, p: MirrorPlan): void {
  const generation = currentGeneration(dir);
  const recorded = generation ? writtenHashes(dir, generation) : {};
  const guarded: string[] = [BUNDLE_FILES.compose, BUNDLE_FILES.nginx];
  const edited = p.files.map((f) => f.path).filter((path) => guarded.includes(path) && editedByHand(readOptional(dir, path), recorded[path]));
  if (edited.length === 0) return;
  const were = edited.length > 1 ? 'were' : 'was';
  throw new FailError(`${edited.join(' and ')} ${were} edited by hand since registry-setup wrote ${edited.length > 1 ? 'them' : 'it'}, and this change would replace ${edited.length > 1 ? 'them' : 'it'}; nothing was changed. Pass --force to go ahead: the previous generation keeps your version`);
}
