import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { FailError, UsageError } from '../../errors.js';
import { BUNDLE_FILES } from '../../bundle/state.js';
import { openBundleState } from '../../bundle/open.js';
import { installIfDifferent } from '../../io/install-files.js';
import { packageFile } from '../../io/package-files.js';
import { createOutput, type Output } from '../../io/output.js';
import { resolveRenewFlags, type RenewFlags } from './resolve.js';
import { planRenewTimer } from '../../render/renew-timer.js';
import { loadOutsideCa } from '../../pki/outside-ca.js';

const NOT_WITH_TIMER = { force: '--force', addHost: '--add-host', days: '--days', reload: '--reload' } as const;

/** The built CLI's entry file, which the timer runs with this same node. */
const CLI_FILE = fileURLToPath(packageFile('dist/cli.js'));

/** renew --install-timer: writes the units (or cron entry) idempotently and turns them on where systemd runs. */
export async function installTimer(flags: RenewFlags, deps: { out?: Output } = {}): Promise<void> {
  const opts = resolveRenewFlags(flags);
  const stray = Object.entries(NOT_WITH_TIMER).filter(([k]) => flags[k as keyof RenewFlags] !== undefined).map(([, flag]) => flag);
  if (stray.length > 0) throw new UsageError(`--install-timer schedules renew --reload as it is; it does not take ${stray.join(', ')}`);
  const out = deps.out ?? createOutput({ json: flags.json });
  const { dir, state } = openBundleState(opts.dir, out);
  if ((state.externalCa || !existsSync(join(dir, BUNDLE_FILES.caKey))) && !opts.ca) {
    throw new FailError("this bundle's CA key is not in it, so the timer could not sign: pass --ca-cert FILE --ca-key FILE for it to use");
  }
  if (opts.ca) loadOutsideCa(opts.ca.certFile, opts.ca.keyFile, new Date(), 1); // fail now, not at 3 a.m.
  const extraArgs = [
    ...(flags.within !== undefined ? ['--within', String(opts.windowDays)] : []),
    ...(opts.ca ? ['--ca-cert', resolve(opts.ca.certFile), '--ca-key', resolve(opts.ca.keyFile)] : []),
  ];
  const root = resolve(flags.root ?? '/');
  const systemd = existsSync(join(root, 'run/systemd/system'));
  const plan = planRenewTimer({ dir, node: process.execPath, cli: CLI_FILE, extraArgs, systemd });
  // npx runs from a cache that may be pruned: the timer would then point at nothing.
  if (CLI_FILE.includes('/_npx/')) out.warn(`the timer will run ${CLI_FILE}, inside npx's cache; install registry-setup (npm install -g) and re-run this for a path that lasts`);

  const results = installIfDifferent(root, plan.files, opts.dryRun);
  const changed = results.some((r) => r.result === 'installed' || r.result === 'updated');
  // Only the real root's systemd is ours to drive; a test root never is.
  const live = systemd && root === '/' && !opts.dryRun;
  const commands = plan.activate.filter((argv) => changed || argv[1] !== 'daemon-reload');
  if (live) {
    for (const argv of commands) {
      const r = await execa(argv[0]!, argv.slice(1), { reject: false, stdin: 'ignore' });
      if (r.failed) throw new FailError(`${argv.join(' ')} failed: ${String(r.stderr || r.shortMessage || '').trim().split('\n').pop()}`);
    }
  }
  if (out.isJson) return out.json({ name: plan.name, kind: plan.kind, files: results, ran: live ? commands.map((a) => a.join(' ')) : [] });
  out.print(`${plan.kind === 'systemd' ? 'systemd timer' : 'cron entry'} ${plan.name}: renew --reload runs daily for ${dir}`);
  for (const r of results) out.print(`  ${r.result.padEnd(13)} ${r.path}`);
  if (live) out.print(`  ran: ${commands.map((a) => a.join(' ')).join(' && ')}`);
  else if (plan.kind === 'systemd') out.print(`  to enable it: ${plan.activate.map((a) => a.join(' ')).join(' && ')}`);
  if (plan.kind === 'cron' && !existsSync(join(root, 'usr/sbin/cron'))) out.warn('no cron daemon found (/usr/sbin/cron): install cron for this entry to run');
}
