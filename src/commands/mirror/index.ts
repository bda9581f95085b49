import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openBundleState } from '../../bundle/open.js';
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
  const { plan, previous } = await commitUnderLock(dir, (now) => planMirrorAdd(now, opts.value, opts.port, credentials));
  mkdirSync(join(dir, mirrorDataPath(plan.mirror)), { recursive: true, mode: 0o700 });
  if (credentials) out.warn(credentialsWarning(plan.mirror));
  printMirrorChange(out, { dir, kind: 'add', plan, dryRun: false, previous });
}

export async function mirrorRm(value: string, flags: MirrorFlags, deps: MirrorDeps = {}): Promise<void> {
  const opts = resolveMirrorFlags(value, flags, true);
  const out = deps.out ?? createOutput({ json: flags.json });
  const { dir, state } = openBundleState(opts.dir, out);
  if (opts.dryRun) return printMirrorChange(out, { dir, kind: 'rm', plan: planMirrorRm(state, opts.upstream), dryRun: true });
  const { plan, previous } = await commitUnderLock(dir, (now) => planMirrorRm(now, opts.upstream));
  printMirrorChange(out, { dir, kind: 'rm', plan, dryRun: false, previous });
}

export async function mirrorLs(flags: MirrorFlags, deps: MirrorDeps = {}): Promise<void> {
  const out = deps.out ?? createOutput({ json: flags.json });
  const { state } = openBundleState(parseDir(flags.dir ?? './registry'), out);
  printMirrors(out, state);
}

/** The record is read again under the lock: another command may have changed it since. */
async function commitUnderLock(dir: string, plan: (state: ReturnType<typeof readBundleState>) => MirrorPlan): Promise<{ plan: MirrorPlan; previous: string | null }> {
  const lock = acquireLock(dir);
  try {
    const p = plan(readBundleState(dir));
    const result = await commitChange(dir, { files: p.files, remove: p.remove }, { now: new Date(), random: (n) => randomBytes(n) });
    return { plan: p, previous: result.previous };
  } finally {
    lock.release();
  }
}
