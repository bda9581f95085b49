import type { Mode } from '../../bundle/state.js';
import type { Output } from '../../io/output.js';
import { humanBytes } from '../../io/table.js';
import type { Collected } from './collect.js';

export interface GcReport extends Collected {
  dryRun: boolean;
  mode: Mode;
  image: string;
  /** The stack was not running: garbage-collect ran in a one-off container, with nothing to switch. */
  offline: boolean;
  readOnlyMs: number | null;
  /** restart mode: each time clients could not connect; null when nothing restarted or nothing was in front to time. */
  outagesMs: number[] | null;
  warnings: string[];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "3 blobs (1.20 MB) and 0 manifests": what went, or would go. */
export function describeCollected(c: Collected): string {
  const bytes = c.bytes === null ? '' : ` (${humanBytes(c.bytes)})`;
  const repos = c.repositories.length ? `; ${plural(c.repositories.length, 'repository', 'repositories')} with no tag: ${c.repositories.join(', ')}` : '';
  return `${plural(c.blobs, 'blob')}${bytes} and ${plural(c.manifests, 'manifest')}${repos}`;
}

/** The question asked on a terminal, after a dry run said what would go. */
export function confirmQuestion(preview: Collected, mode: Mode): string {
  const how = mode === 'proxy' ? 'pulls go on, pushes wait' : 'the registry restarts twice, read-only in between';
  return `Delete ${describeCollected(preview)}? (${how})`;
}

export function printGc(out: Output, r: GcReport): void {
  const unavailableMs = r.outagesMs ? r.outagesMs.reduce((a, b) => a + b, 0) : null;
  if (out.isJson) {
    return out.json({
      dryRun: r.dryRun, mode: r.mode, image: r.image, offline: r.offline,
      blobsDeleted: r.blobs, bytesFreed: r.bytes, manifestsDeleted: r.manifests, repositoriesRemoved: r.repositories,
      readOnlyMs: r.readOnlyMs, unavailableMs, outagesMs: r.outagesMs, warnings: r.warnings,
    });
  }
  if (r.dryRun) {
    out.print(`Dry run, nothing deleted: garbage-collect would delete ${describeCollected(r)}.`);
    if (r.repositories.length) out.print('  Blobs only those repositories hold are not counted: they go in the same run, once the repositories are removed.');
    return;
  }
  out.print(`${out.green('✔')} gc done: deleted ${describeCollected(r)}${r.repositories.length ? ' (removed, so they leave the catalog)' : ''}.`);
  if (r.bytes === null) out.print('  The storage is not the bundle\'s data/ directory, so the space freed is not counted here.');
  if (r.offline) return out.print('  The stack was not running: nothing had to be switched.');
  const ro = `Read-only for ${seconds(r.readOnlyMs ?? 0)}: pushes meanwhile got the registry's read-only error`;
  if (r.mode === 'proxy') return out.print(`  ${ro}; pulls never stopped (nginx sent them to a read-only instance).`);
  const each = r.outagesMs && r.outagesMs.length ? ` (${r.outagesMs.map(seconds).join(' + ')})` : '';
  out.print(`  ${ro}; clients could not connect for ${seconds(unavailableMs ?? 0)} in all${each}, while the registry restarted.`);
  out.print('  In proxy mode gc is invisible to pulls: nginx switches them to a read-only instance instead.');
}
