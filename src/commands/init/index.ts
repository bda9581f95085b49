import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { FailError } from '../../errors.js';
import { TOP_LEVEL_NAMES } from '../../bundle/layout.js';
import { sweepBundleDir } from '../../io/bundle-sweep.js';
import { maintenanceRestorer } from '../../maintenance/restorer.js';
import { acquireLock } from '../../io/bundle-lock.js';
import { commitChange, createBundle } from '../../io/bundle-writer.js';
import { resolvedFiles } from '../../io/file-plan.js';
import { assertWritableDir } from '../../io/preflight.js';
import { createOutput, type Output } from '../../io/output.js';
import type { Prompter } from '../../io/prompt.js';
import { startBundleKeys, type BundleKeys } from '../../pki/keys.js';
import { parseHost } from '../../pki/hosts.js';
import { loadOutsideCa } from '../../pki/outside-ca.js';
import { MAX_LEAF_DAYS_APPLE, resolveFixedFlags, resolveInitAnswers, type InitFlags } from './resolve.js';
import { planInit, issueMaterial } from './plan.js';
import { printDryRun, printInitSummary } from './report.js';
import { credentialsWarning, mirrorDataPath } from '../../mirrors/services.js';

export interface InitDeps {
  now?: Date;
  prompt?: Prompter;
  interactive?: boolean;
  out?: Output;
  /** Keys already being generated (cli.ts starts them before this module loads). */
  keys?: Promise<BundleKeys> | null;
}

/** The machine's non-loopback addresses, then its name: what the wizard offers as --host. */
export function detectHosts(): string[] {
  const ips = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal && !(a.family === 'IPv6' && a.address.startsWith('fe80')))
    .sort((a, b) => (a!.family === b!.family ? 0 : a!.family === 'IPv4' ? -1 : 1))
    .map((a) => a!.address);
  const names = [hostname()].filter((n) => n && n !== 'localhost');
  return [...ips, ...names].filter((h) => {
    try {
      parseHost(h);
      return true;
    } catch {
      return false;
    }
  });
}

/** What is at DIR now: nothing (or an empty dir), a bundle, or other files. */
function existingAt(dir: string): { empty: boolean; bundlePaths: string[] } {
  const entries = existsSync(dir) ? readdirSync(dir) : [];
  // existsSync follows links: a link left dangling by an interrupted first commit is no bundle.
  return { empty: entries.length === 0, bundlePaths: TOP_LEVEL_NAMES.filter((n) => existsSync(join(dir, n))) };
}

/** resolve → plan → apply → report. */
export async function init(flags: InitFlags, deps: InitDeps = {}): Promise<void> {
  const now = deps.now ?? new Date();
  const out = deps.out ?? createOutput({ json: flags.json });
  const fixed = resolveFixedFlags(flags);
  assertWritableDir(fixed.dir);
  const dir = flags.dryRun ? resolve(fixed.dir) : sweepBundleDir(fixed.dir, out, await maintenanceRestorer(fixed.dir));
  const at = existingAt(dir);
  if (at.bundlePaths.length > 0 && !flags.force) {
    throw new FailError(`${fixed.dir} already holds a bundle (${at.bundlePaths[0]}); pass --force to replace it (the old one is kept under .gen/)`);
  }
  const outsideCa = fixed.ca ? loadOutsideCa(fixed.ca.certFile, fixed.ca.keyFile, now, fixed.days) : null;

  // Keys are generated while the person answers the wizard (cli.ts has usually started them already).
  const keys = flags.dryRun ? null : (deps.keys ?? startBundleKeys(fixed.leafKey, outsideCa ? null : fixed.caKey));
  const interactive = deps.interactive ?? Boolean(process.stdin.isTTY && process.stdout.isTTY);
  // The prompt and stdin modules load only for a wizard or --password-stdin: --yes needs neither.
  const prompt = deps.prompt ?? (interactive && !flags.yes ? await (await import('../../io/prompt.js')).createTerminalPrompter() : undefined);
  const answers = await resolveInitAnswers(flags, {
    // Only the wizard and --yes without --host need the machine's own addresses (isIPv6 is slow to warm up).
    interactive, prompt, detectedHosts: fixed.hosts ? [] : detectHosts(), readStdin: async () => (await import('../../io/stdin.js')).readStdin(), randomBytes: (n) => randomBytes(n),
    environ: process.env,
  });
  if (answers.mode === 'insecure') {
    out.warn('insecure mode serves plain HTTP with no authentication: every client must list this registry in insecure-registries (registry-setup trust-node does that)');
  }
  if (answers.days > MAX_LEAF_DAYS_APPLE) out.warn(`--days ${answers.days} is over ${MAX_LEAF_DAYS_APPLE}: Apple clients reject such certificates`);

  if (fixed.storage.impliedMode && flags.mode === undefined) {
    out.progress(`• --replicas ${answers.storage.replicas} implies --mode proxy: nginx terminates TLS and spreads requests over the instances`);
  }
  if (!keys) return printDryRun(out, dir, planInit(answers, { now, outsideCa: Boolean(outsideCa), material: null }));
  const { s3, keys: s3Keys } = answers.storage;
  if (s3 && s3Keys) {
    // Before anything is written: a wrong key, a missing bucket or a dead endpoint stops here, with one line.
    out.progress(`• checking bucket ${s3.bucket} at ${s3.endpoint ?? 'AWS'}…`);
    const bucket = await (await import('../../storage/s3-probe.js')).checkBucket(s3, s3Keys, answers.storage.createBucket);
    if (bucket === 'created') out.progress(`• created bucket ${s3.bucket}`);
  }
  out.progress('• generating keys and certificates…');
  const material = await issueMaterial(answers, { now, keys: await keys, outsideCa, random: (n) => randomBytes(n) });
  const plan = planInit(answers, { now, outsideCa: Boolean(outsideCa), material });
  const files = resolvedFiles(plan.files);
  const ctx = { now, random: (n: number) => randomBytes(n) };
  let previous: string | null = null;
  if (at.empty) await createBundle(dir, files, ctx);
  else {
    const lock = acquireLock(dir);
    try {
      previous = (await commitChange(dir, { files, fresh: true }, ctx)).previous;
    } finally {
      lock.release();
    }
  }
  for (const m of plan.state.mirrors ?? []) mkdirSync(join(dir, mirrorDataPath(m)), { recursive: true, mode: 0o700 });
  if (answers.mirrorCredentials) out.warn(credentialsWarning(answers.mirrors[0]!));
  printInitSummary(out, { dir, state: plan.state, files: plan.files, users: answers.users, replaced: at.bundlePaths.length > 0, previous });
}
