import type { Output } from '../../io/output.js';
import type { HostOutcome, HostResult } from '../../remote/trust-result.js';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  rows?: number;
}

export interface FleetProgress {
  started(index: number): void;
  finished(index: number, result: HostResult): void;
}

const MARK: Record<HostOutcome, string> = {
  changed: '✔', unchanged: '✔', trusted: '✔', untrusted: '✘', partial: '◐', failed: '✘',
};

function summary(r: HostResult): string {
  if (r.error) return `failed: ${r.error}`;
  const n = r.changes.length;
  return r.result === 'changed' ? `changed (${n} change${n === 1 ? '' : 's'})` : r.result;
}

/**
 * On a terminal, one line per host, redrawn in place as hosts start and finish. Elsewhere
 * (CI logs, pipes), or when the lines would not fit on the screen, a plain line per host
 * as it finishes. Nothing at all with --json.
 */
export function createProgress(labels: string[], out: Output, stream: ProgressStream): FleetProgress {
  if (out.isJson) return { started: () => {}, finished: () => {} };
  const width = Math.max(...labels.map((l) => l.length));
  const line = (i: number, text: string): string => `  ${labels[i]!.padEnd(width)}  ${text}`;
  const live = Boolean(stream.isTTY) && labels.length < (stream.rows ?? 24) - 1;
  if (!live) {
    return { started: () => {}, finished: (i, r) => out.progress(line(i, `${MARK[r.result]} ${summary(r)}`)) };
  }
  stream.write(labels.map((_, i) => `${line(i, '· waiting')}\n`).join(''));
  const redraw = (i: number, text: string): void => {
    const up = labels.length - i;
    // Up to the host's line, clear it, write, then back down below the block.
    stream.write(`\x1b[${up}A\r\x1b[2K${line(i, text)}\r\x1b[${up}B`);
  };
  return {
    started: (i) => redraw(i, '… running'),
    finished: (i, r) => redraw(i, `${r.result === 'failed' ? out.red(MARK[r.result]) : out.green(MARK[r.result])} ${summary(r)}`),
  };
}

/** The final table: host, result, and every change (or the reason it failed). */
export function formatResultTable(results: HostResult[]): string {
  const hostW = Math.max(4, ...results.map((r) => r.host.length));
  const resW = Math.max(6, ...results.map((r) => r.result.length));
  const rows = [`${'HOST'.padEnd(hostW)}  ${'RESULT'.padEnd(resW)}  CHANGES`];
  for (const r of results) {
    const details = r.error ? [r.error] : r.states ? r.states.filter((s) => s.state !== 'ok').map((s) => `${s.state}: ${s.what}`) : r.changes;
    const [first = '-', ...rest] = details;
    rows.push(`${r.host.padEnd(hostW)}  ${r.result.padEnd(resW)}  ${first}`);
    for (const d of rest) rows.push(`${''.padEnd(hostW)}  ${''.padEnd(resW)}  ${d}`);
  }
  return rows.join('\n');
}

export function countOutcomes(results: HostResult[]): string {
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.result, (counts.get(r.result) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}
