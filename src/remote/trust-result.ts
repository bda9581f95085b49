import { describeSshFailure, type SshOptions, type SshRun } from './ssh-runner.js';
import type { SshTarget } from './ssh-target.js';
import type { TrustAction } from './trust-script.js';

export interface TrustState {
  state: 'ok' | 'missing' | 'differs';
  what: string;
}

/** What the remote script said, from its `@@rs` lines; anything else on stdout is ignored. */
export interface ScriptReport {
  began: boolean;
  ended: boolean;
  runtimes: string[];
  changes: string[];
  warnings: string[];
  errors: string[];
  states: TrustState[];
}

export function parseScriptOutput(stdout: string): ScriptReport {
  const r: ScriptReport = { began: false, ended: false, runtimes: [], changes: [], warnings: [], errors: [], states: [] };
  for (const line of stdout.split('\n')) {
    const m = /^@@rs (\w+) ?(.*)$/.exec(line.replace(/\r$/, ''));
    if (!m) continue;
    const [, kind, text = ''] = m;
    if (kind === 'begin') r.began = true;
    else if (kind === 'end') r.ended = true;
    else if (kind === 'runtimes') r.runtimes = text.split(' ').filter(Boolean);
    else if (kind === 'change') r.changes.push(text);
    else if (kind === 'warn') r.warnings.push(text);
    else if (kind === 'error') r.errors.push(text);
    else if (kind === 'state') {
      const s = /^(ok|missing|differs) (.*)$/.exec(text);
      if (s) r.states.push({ state: s[1] as TrustState['state'], what: s[2]! });
    }
  }
  return r;
}

export type HostOutcome = 'changed' | 'unchanged' | 'trusted' | 'untrusted' | 'partial' | 'failed';

export interface HostResult {
  host: string;
  result: HostOutcome;
  changes: string[];
  warnings: string[];
  error?: string;
  runtimes: string[];
  states?: TrustState[];
  ms: number;
}

/** One host's verdict from its ssh run: ssh/sudo failures first, then the script's own report. */
export function judgeHost(action: TrustAction, target: SshTarget, run: SshRun, ssh: Pick<SshOptions, 'timeoutMs' | 'port'>): HostResult {
  const report = parseScriptOutput(run.stdout);
  const base = { host: target.label, changes: report.changes, warnings: report.warnings, runtimes: report.runtimes, ms: Math.round(run.ms) };
  const failure = describeSshFailure(target, run, ssh);
  const stderrTail = run.stderr.trim().split('\n').pop() ?? '';
  const error =
    failure ??
    (report.errors.length > 0 ? report.errors.join('; ') : undefined) ??
    (!report.ended || run.exitCode !== 0 ? `the script stopped early (exit ${run.exitCode})${stderrTail ? `: ${stderrTail}` : ''}` : undefined);
  if (error !== undefined) return { ...base, result: 'failed', error };
  if (action !== 'check') return { ...base, result: report.changes.length > 0 ? 'changed' : 'unchanged' };
  const ok = report.states.filter((s) => s.state === 'ok').length;
  const result = report.states.length > 0 && ok === report.states.length ? 'trusted' : ok === 0 ? 'untrusted' : 'partial';
  return { ...base, result, states: report.states };
}
