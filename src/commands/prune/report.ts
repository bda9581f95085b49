import type { Output } from '../../io/output.js';
import { alignColumns, shortDigest, shortTime } from '../../io/table.js';
import type { DeleteBehaviour, DeleteOutcome } from '../../registry/deletions.js';
import { actionsJson, deletionNote, describeAction, printOutcomes } from '../deletion-report.js';
import type { KeepReason, PruneSelection } from './plan.js';
import type { PruneOptions } from './resolve.js';

const WHY: Record<KeepReason, (o: PruneOptions) => string> = {
  protected: (o) => `keep: protected (${o.protect.text})`,
  newest: (o) => `keep: among the ${o.keep} newest`,
  recent: (o) => `keep: not older than ${o.olderThanDays} days`,
  'no-date': () => 'keep: no created time',
};

export function pruneDocument(registry: string, behaviour: DeleteBehaviour, o: PruneOptions, s: PruneSelection, outcomes: DeleteOutcome[] | null) {
  return {
    registry, behaviour, dryRun: o.dryRun,
    rules: { keep: o.keep, olderThanDays: o.olderThanDays, protect: o.protect.text, repos: o.repos.map((r) => r.glob) },
    repositories: s.repos,
    actions: actionsJson(s.actions, outcomes),
    note: deletionNote(s.actions),
  };
}

/** Every tag and its fate, one table: what --dry-run prints is what --yes does. */
export function formatDecisions(o: PruneOptions, s: PruneSelection): string {
  const rows: string[][] = [['REPOSITORY', 'TAG', 'CREATED (UTC)', 'DIGEST', 'DECISION']];
  for (const r of s.repos) {
    const all = [
      ...r.deleted.map((t) => ({ t, what: 'DELETE' })),
      ...r.skipped.map((t) => ({ t, what: `skip: ${t.why}` })),
      ...r.kept.map((t) => ({ t, what: WHY[t.why](o) })),
    ].sort((a, b) => (b.t.created ?? '').localeCompare(a.t.created ?? ''));
    for (const { t, what } of all) rows.push([r.repo, t.tag, shortTime(t.created), shortDigest(t.digest), what]);
  }
  return alignColumns(rows);
}

export function printPrunePlan(out: Output, registry: string, o: PruneOptions, s: PruneSelection, listActions: boolean): void {
  if (out.isJson) return;
  if (s.repos.length === 0) return out.print(`No repository at ${registry} matches ${o.repos.map((r) => r.glob).join(', ')}.`);
  out.print(formatDecisions(o, s));
  const skipped = s.repos.reduce((n, r) => n + r.skipped.length, 0);
  const tags = s.repos.reduce((n, r) => n + r.deleted.length, 0);
  out.print(`\n${o.dryRun ? 'Would delete' : 'To delete'}: ${tags} tag${tags === 1 ? '' : 's'} in ${s.actions.length} DELETE${s.actions.length === 1 ? '' : 's'}${skipped ? `; ${skipped} skipped (their digest is kept)` : ''}${o.dryRun ? ' (nothing deleted)' : ''}`);
  if (listActions) for (const a of s.actions) out.print(`  ${describeAction(a)}`);
}

export function printPruneResult(out: Output, registry: string, behaviour: DeleteBehaviour, o: PruneOptions, s: PruneSelection, outcomes: DeleteOutcome[] | null): void {
  if (out.isJson) return out.json(pruneDocument(registry, behaviour, o, s, outcomes));
  if (s.actions.length === 0) return out.print('Nothing to delete.');
  if (outcomes) printOutcomes(out, outcomes);
  else out.print(deletionNote(s.actions));
}
