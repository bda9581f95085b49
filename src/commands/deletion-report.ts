import type { Output } from '../io/output.js';
import { freesNoSpaceNote, type DeleteAction, type DeleteOutcome } from '../registry/deletions.js';

/** rm's and prune's shared lines: one per DELETE, saying what stops existing and what stays. */
export function describeAction(a: DeleteAction): string {
  if (a.kind === 'untag') {
    const stays = a.remaining.length > 0 ? `still tagged ${a.remaining.join(', ')}` : 'now untagged';
    return `untag   ${a.repo}:${a.ref}  (${a.digest} stays, ${stays})`;
  }
  return `delete  ${a.repo}@${a.digest}  (${a.tags.length > 0 ? `tags ${a.tags.join(', ')}` : 'no tags'})`;
}

/** The note after any delete; untagged manifests need gc --delete-untagged. */
export function deletionNote(actions: DeleteAction[]): string {
  return freesNoSpaceNote(actions.some((a) => a.kind === 'untag'));
}

/** ✔/✘ per DELETE sent, then the gc note. */
export function printOutcomes(out: Output, outcomes: DeleteOutcome[]): void {
  for (const o of outcomes) {
    const mark = o.result === 'failed' ? out.red('✘') : out.green('✔');
    const extra = o.result === 'gone' ? ' (already gone)' : o.error ? `: ${o.error}` : '';
    out.print(`${mark} ${describeAction(o.action)}${extra}`);
  }
  out.print(deletionNote(outcomes.map((o) => o.action)));
}

/** Actions as --json shows them, with each one's result once sent. */
export function actionsJson(actions: DeleteAction[], outcomes: DeleteOutcome[] | null) {
  const results = outcomes && new Map(outcomes.map((r) => [r.action, r]));
  return actions.map((a) => {
    const r = results?.get(a);
    return { ...a, ...(r && { result: r.result }), ...(r?.error && { error: r.error }) };
  });
}
