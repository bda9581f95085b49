import { randomBytes } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { FailError } from '../errors.js';
import { BUNDLE_FILES, type BundleState } from '../bundle/state.js';
import { EMPTY_DIRS, planBundleFiles, REGISTRY_IMAGE, type BundleMaterial } from '../bundle/plan-init.js';
import { applyFilePlan, existingPaths, formatMode, type PlannedFile } from '../io/file-plan.js';
import { assertWritableDir } from '../io/preflight.js';
import { createOutput, type Output } from '../io/output.js';
import { createTerminalPrompter, type Prompter } from '../io/prompt.js';
import { compactStamp } from '../pki/dates.js';
import { startBundleKeys, type BundleKeys, type KeyPairPem } from '../pki/keys.js';
import { issueCa, issueLeaf } from '../pki/issue.js';
import { parseHost } from '../pki/hosts.js';
import { loadOutsideCa } from '../pki/outside-ca.js';
import { formatHtpasswd, hashPassword } from '../render/htpasswd.js';
import { resolveFixedFlags, resolveInitAnswers, MAX_LEAF_DAYS_APPLE, type InitAnswers, type InitFlags } from '../options/init-options.js';
import { readStdin } from '../io/stdin.js';
import { printInitSummary } from './init-summary.js';

export interface InitDeps {
  now?: Date;
  prompt?: Prompter;
  interactive?: boolean;
  out?: Output;
  /** Keys already being generated (init.cli.ts starts them before this module loads). */
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

export async function init(flags: InitFlags, deps: InitDeps = {}): Promise<void> {
  const now = deps.now ?? new Date();
  const out = deps.out ?? createOutput({ json: flags.json });
  const fixed = resolveFixedFlags(flags);
  assertWritableDir(fixed.dir);
  const existing = existingPaths(fixed.dir, Object.values(BUNDLE_FILES));
  if (existing.length > 0 && !flags.force) {
    throw new FailError(`${fixed.dir} already holds a bundle (${existing[0]}); pass --force to replace it (old files are kept in .replaced-*)`);
  }
  const outsideCa = fixed.ca ? loadOutsideCa(fixed.ca.certFile, fixed.ca.keyFile, now, fixed.days) : null;

  // Keys are generated while the person answers the wizard (init.cli.ts has usually started them already).
  const keys = flags.dryRun ? null : (deps.keys ?? startBundleKeys(fixed.keySize, outsideCa ? null : fixed.caKeySize));
  const interactive = deps.interactive ?? Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const prompt = deps.prompt ?? (interactive && !flags.yes ? await createTerminalPrompter() : undefined);
  const answers = await resolveInitAnswers(flags, {
    interactive, prompt, detectedHosts: detectHosts(), readStdin, randomBytes: (n) => randomBytes(n),
  });
  if (answers.mode === 'insecure') {
    out.warn('insecure mode serves plain HTTP with no authentication: every client must list this registry in insecure-registries (registry-setup trust-node does that)');
  }
  if (answers.days > MAX_LEAF_DAYS_APPLE) out.warn(`--days ${answers.days} is over ${MAX_LEAF_DAYS_APPLE}: Apple clients reject such certificates`);
  const state = toState(answers, now, Boolean(outsideCa));

  if (!keys) {
    const placeholder: BundleMaterial = { caCertPem: '', caKeyPem: outsideCa ? null : '', certPem: '', keyPem: '', htpasswd: '' };
    return reportDryRun(out, answers.dir, planBundleFiles(state, placeholder));
  }
  out.progress('• generating keys and certificates…');
  const { leaf, ca } = await keys;
  const caMaterial = outsideCa ?? issueOwnCa(ca!, answers, now);
  const material: BundleMaterial = {
    caCertPem: caMaterial.certPem,
    caKeyPem: outsideCa ? null : caMaterial.keyPem,
    keyPem: leaf.privateKeyPem,
    certPem: issueLeaf({ ca: caMaterial, publicKeyPem: leaf.publicKeyPem, hosts: answers.hosts.map((h) => parseHost(h)),
      days: answers.days, now, serial: randomBytes(16) }),
    htpasswd: formatHtpasswd(answers.users.map((u) => ({ user: u.name, hash: hashPassword(u.password, answers.bcryptCost) }))),
  };
  const files = planBundleFiles(state, material);
  applyFilePlan(answers.dir, files, compactStamp(now), EMPTY_DIRS);
  printInitSummary(out, { dir: resolve(answers.dir), state, files, users: answers.users, replaced: existing.length > 0 });
}

function issueOwnCa(keys: KeyPairPem, answers: InitAnswers, now: Date) {
  const certPem = issueCa({ keys, commonName: `registry-setup CA for ${answers.hosts[0]}`, days: answers.caDays, now, serial: randomBytes(16) });
  return { certPem, keyPem: keys.privateKeyPem };
}

function toState(a: InitAnswers, now: Date, externalCa: boolean): BundleState {
  return { version: 1, mode: a.mode, hosts: a.hosts, port: a.port, days: a.days, caDays: a.caDays, keySize: a.keySize,
    caKeySize: a.caKeySize, bcryptCost: a.bcryptCost, externalCa, image: REGISTRY_IMAGE, createdAt: now.toISOString() };
}

function reportDryRun(out: Output, dir: string, files: PlannedFile[]): void {
  if (out.isJson) return out.json({ dryRun: true, dir: resolve(dir), files: files.map((f) => ({ path: f.path, mode: formatMode(f.mode) })) });
  out.print(`Would write ${files.length} files in ${resolve(dir)} (nothing written):`);
  for (const f of files) out.print(`  ${formatMode(f.mode)}  ${f.path}`);
}
