import type { Output } from '../../io/output.js';
import type { DeleteAction, DeleteBehaviour, DeleteOutcome } from '../../registry/deletions.js';
import { actionsJson, deletionNote, describeAction, printOutcomes } from '../deletion-report.js';

const BEHAVIOUR: Record<DeleteBehaviour, string> = {
  untag: 'untags (registry 3.x): other tags on a digest stay',
  'digest-only': 'deletes only by digest (registry 2.x): every tag on a digest goes with it',
};

export function rmQuestion(actions: DeleteAction[], registry: string): string {
  return `Delete ${actions.length === 1 ? 'this' : `these ${actions.length}`} from ${registry}?`;
}

export function rmDocument(registry: string, behaviour: DeleteBehaviour, actions: DeleteAction[], outcomes: DeleteOutcome[] | null) {
  return { registry, behaviour, dryRun: outcomes === null, actions: actionsJson(actions, outcomes), note: deletionNote(actions) };
}

/** The plan, for --dry-run and above the question: exactly the DELETEs --yes sends. */
export function printRmPlan(out: Output, registry: string, behaviour: DeleteBehaviour, actions: DeleteAction[], dryRun: boolean): void {
  if (out.isJson) {
    if (dryRun) out.json(rmDocument(registry, behaviour, actions, null));
    return;
  }
  out.print(`${registry} ${BEHAVIOUR[behaviour]}. ${dryRun ? 'Would send (nothing deleted):' : 'To send:'}`);
  for (const a of actions) out.print(`  ${describeAction(a)}`);
  if (dryRun) out.print(deletionNote(actions));
}

export function printRmResult(out: Output, registry: string, behaviour: DeleteBehaviour, actions: DeleteAction[], outcomes: DeleteOutcome[]): void {
  if (out.isJson) return out.json(rmDocument(registry, behaviour, actions, outcomes));
  printOutcomes(out, outcomes);
}
