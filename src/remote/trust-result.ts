import { LINE, RESULT_PREFIX, STATES, type StateWord } from './script-contract.js';
import { describeSshFailure, type SshOptions, type SshRun } from './ssh-runner.js';
import type { SshTarget } from './ssh-target.js';
import type { TrustAction } from './trust-script.js';

export interface TrustState {
  state: StateWord;
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

const RESULT_LINE = new RegExp(`^${RESULT_PREFIX} (\\w+) ?(.*)$`);
const STATE_LINE = new RegExp(`^(${STATES.join('|')}) (.*)$`);

export function parseScriptOutput(stdout: string): ScriptReport {
  const r: ScriptReport = { began: false, ended: false, runtimes: [], changes: [], warnings: [], errors: [], states: [] };
  for (const line of stdout.split('\n')) {
    const m = RESULT_LINE.exec(line.replace(/\r$/, ''));
    if (!m) continue;
    const [, kind, text = ''] = m;
    if (kind === LINE.begin) r.began = true;
    else if (kind === LINE.end) r.ended = true;
    else if (kind === LINE.runtimes) r.runtimes = text.split(' ').filter(Boolean);
    else if (kind === LINE.change) r.changes.push(text);
    else if (kind === LINE.warn) r.warnings.push(text);
    else if (kind === LINE.error) r.errors.push(text);
    else if (kind === LINE.state) {
      const s = STATE_LINE.exec(text);
      if (s) r.states.push({ state: s[1] as StateWord, what: s[2]! });
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
  // 'ok' is checked against StateWord, so the contract cannot drop it unnoticed.
  const ok = report.states.filter((s) => s.state === 'ok').length;
  const result = report.states.length > 0 && ok === report.states.length ? 'trusted' : ok === 0 ? 'untrusted' : 'partial';
  return { ...base, result, states: report.states };
}
