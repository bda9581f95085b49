import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FailError } from '../../errors.js';
import { openBundleState } from '../../bundle/open.js';
import type { NodeLogin } from '../../bundle/node-login.js';
import { BUNDLE_FILES } from '../../bundle/state.js';
import { generatedLogin, namedLogin, type LoginChoice, type LoginDeps } from '../node-login.js';
import { createOutput, type Output } from '../../io/output.js';
import { mapBounded } from '../../remote/fleet.js';
import { buildSshArgs, execaExec, runOverSsh, type Exec } from '../../remote/ssh-runner.js';
import { judgeHost, type HostResult } from '../../remote/trust-result.js';
import { planTrust, renderTrustScript, type TrustAction, type TrustPlan } from '../../remote/trust-script.js';
import { shellCommand } from '../../remote/shell-quote.js';
import { resolveTrustOptions, type ResolvedTrust, type TrustNodeFlags } from './resolve.js';
import { countOutcomes, createProgress, formatResultTable, type ProgressStream } from './report.js';

export interface TrustNodeDeps extends LoginDeps {
  now?: Date;
  out?: Output;
  exec?: Exec;
  readFile?: (path: string) => string;
  progressStream?: ProgressStream;
}

export function trustNode(hosts: string[], flags: TrustNodeFlags, deps: TrustNodeDeps = {}): Promise<void> {
  return runTrustCommand(flags.check ? 'check' : 'trust', hosts, flags, deps);
}

export function untrustNode(hosts: string[], flags: TrustNodeFlags, deps: TrustNodeDeps = {}): Promise<void> {
  return runTrustCommand('untrust', hosts, flags, deps);
}

/** Resolve options, plan one script for every host, run the fleet, report. */
async function runTrustCommand(action: TrustAction, hosts: string[], flags: TrustNodeFlags, deps: TrustNodeDeps): Promise<void> {
  const out = deps.out ?? createOutput({ json: flags.json });
  const resolved = resolveTrustOptions(action, hosts, flags, {
    readFile: deps.readFile ?? ((p) => readFileSync(p, 'utf8')),
    readBundle: (dir) => openBundleState(dir, out).state,
    now: deps.now ?? new Date(),
  });
  if (resolved.login) resolved.request.login = await obtainLogin(resolved.login, flags, out, deps);
  const plan = planTrust(resolved.request);
  const script = renderTrustScript(plan, { redact: flags.dryRun });
  if (flags.dryRun) return printDryRun(out, resolved, plan, script);
  if (action !== 'untrust' && plan.hostsEntryIp && plan.hostNames.length === 0) {
    out.warn('--hosts-entry: every registry address is an IP, so there is no name to add');
  }

  const t0 = performance.now();
  const results = await runFleet(resolved, script, out, deps);
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  const failed = results.filter((r) => r.result === 'failed');
  const notTrusted = results.filter((r) => r.result === 'untrusted' || r.result === 'partial');

  if (out.isJson) {
    out.json({ action, mode: plan.mode, registries: plan.addresses, mirrors: plan.mirrors ?? [], ...(plan.login && { login: plan.login.user }), ok: failed.length + notTrusted.length === 0, hosts: results });
  } else {
    out.print(formatResultTable(results));
    for (const r of results) for (const w of r.warnings) out.warn(`${r.host}: ${w}`);
    out.progress(`${results.length} host${results.length === 1 ? '' : 's'}: ${countOutcomes(results)} (${seconds} s)`);
  }
  if (failed.length > 0) throw new FailError(`${failed.length} of ${results.length} hosts failed: ${failed.map((r) => r.host).join(', ')}`);
  if (notTrusted.length > 0) throw new FailError(`${notTrusted.length} of ${results.length} hosts do not fully trust ${plan.addresses.join(', ')}`);
}

/** --login's password (stdin or a prompt, checked against htpasswd), or the bundle's node login, made once. */
async function obtainLogin(choice: LoginChoice, flags: TrustNodeFlags, out: Output, deps: TrustNodeDeps): Promise<NodeLogin> {
  if (choice.kind === 'user') return namedLogin(flags.dir, choice, '--login', deps);
  // The bundle was opened (and swept) when the options were resolved.
  const { login, action, warning } = await generatedLogin(flags.dir, Boolean(flags.dryRun), deps);
  if (warning) out.warn(warning);
  const kept = join(flags.dir, BUNDLE_FILES.nodeLogin);
  if (action === 'created') out.progress(`created the node user ${login.user}; its password is kept in ${kept} (0600), for the nodes trusted later`);
  if (action === 'restored') out.progress(`put the node user ${login.user} back in ${BUNDLE_FILES.htpasswd}, with the password kept in ${kept}`);
  return login;
}

async function runFleet(resolved: ResolvedTrust, script: string, out: Output, deps: TrustNodeDeps): Promise<HostResult[]> {
  const { targets, ssh, request } = resolved;
  const exec = deps.exec ?? (await execaExec());
  const progress = createProgress(targets.map((t) => t.label), out, deps.progressStream ?? process.stderr);
  const settled = await mapBounded(targets, resolved.concurrency, async (target, i) => {
    progress.started(i);
    const run = await runOverSsh(target, script, ssh, exec);
    const result = judgeHost(request.action, target, run, ssh);
    progress.finished(i, result);
    return result;
  });
  // runOverSsh does not throw for ssh failures; this is for the unexpected (spawn errors).
  return settled.map((s, i) =>
    s.ok ? s.value : { host: targets[i]!.label, result: 'failed', changes: [], warnings: [], runtimes: [], ms: 0, error: String((s.error as Error)?.message ?? s.error) },
  );
}

function printDryRun(out: Output, resolved: ResolvedTrust, plan: TrustPlan, script: string): void {
  const hosts = resolved.targets.map((t) => ({ host: t.label, ssh: ['ssh', ...buildSshArgs(t, resolved.ssh)], script }));
  if (out.isJson) {
    const expected = plan.files.map(({ runtime, address, path }) => ({ runtime, address, path }));
    return out.json({ action: plan.action, mode: plan.mode, registries: plan.addresses, mirrors: plan.mirrors ?? [], files: expected, insecure: plan.insecure, registryMirrors: plan.dockerMirrors, hosts });
  }
  for (const h of hosts) {
    out.print(`# ===== ${h.host}: ${shellCommand(h.ssh)} <<'SCRIPT'`);
    out.print(`${h.script}SCRIPT`);
  }
  out.progress(`dry run: nothing was sent; ${hosts.length} host${hosts.length === 1 ? '' : 's'} would get the script above`);
}
