import { randomBytes } from 'node:crypto';
import type { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';

/**
 * How the registry answers DELETE /v2/NAME/manifests/TAG, found by running both:
 * 3.x untags (202; other tags on that digest stay), 2.8 refuses a tag with 400
 * DIGEST_INVALID and deletes only by digest, which removes every tag on it.
 */
export type DeleteBehaviour = 'untag' | 'digest-only';

export interface DeleteAction {
  repo: string;
  kind: 'untag' | 'delete';
  /** What goes in the DELETE URL: the tag to untag, or the digest to delete. */
  ref: string;
  digest: string;
  /** The tags that stop existing. */
  tags: string[];
  /** Tags that still point at the digest afterwards (untag only). */
  remaining: string[];
}

export interface DeleteOutcome {
  action: DeleteAction;
  result: 'deleted' | 'gone' | 'failed';
  error?: string;
}

/**
 * Asks the registry itself, changing nothing: a DELETE of a tag that cannot
 * exist. 3.x looks it up and answers 404; 2.8 rejects any tag with 400
 * DIGEST_INVALID before looking. Deletes disabled (405 UNSUPPORTED) and
 * read-only mode (405) come out here too, before anything is asked or deleted.
 */
export async function probeDeleteBehaviour(client: RegistryClient, repo: string, random: () => string = () => randomBytes(8).toString('hex')): Promise<DeleteBehaviour> {
  const probe = `registry-setup-probe-${random()}`;
  try {
    await client.deleteManifest(repo, probe);
    return 'untag'; // 202: it untagged a tag nobody could have had, which only an untagging registry does
  } catch (err) {
    if (!(err instanceof RegistryError)) throw err;
    if (err.status === 404) return 'untag';
    if (err.status === 400 && err.code === 'DIGEST_INVALID') return 'digest-only';
    throw err;
  }
}

/** Every action, in parallel (the client bounds it); one failure does not stop the others, and each is reported. */
export async function applyDeletions(client: RegistryClient, actions: DeleteAction[], onDone: (o: DeleteOutcome) => void = () => {}): Promise<DeleteOutcome[]> {
  return Promise.all(actions.map(async (action): Promise<DeleteOutcome> => {
    let outcome: DeleteOutcome;
    try {
      await client.deleteManifest(action.repo, action.ref);
      outcome = { action, result: 'deleted' };
    } catch (err) {
      if (!(err instanceof RegistryError)) throw err;
      if (err.status === 404) outcome = { action, result: 'gone' };
      else if (action.kind === 'untag' && err.code === 'DIGEST_INVALID') {
        outcome = { action, result: 'failed', error: `${client.address} no longer untags ${action.repo}:${action.ref} (it now deletes only by digest); nothing was removed for it` };
      } else outcome = { action, result: 'failed', error: err.message };
    }
    onDone(outcome);
    return outcome;
  }));
}

/** Said after every delete: the registry only unlinks; gc reclaims the disk (untagged manifests only with --delete-untagged). */
export function freesNoSpaceNote(untagged: boolean): string {
  return untagged
    ? 'Deleting frees no disk space by itself: the untagged manifests stay until `registry-setup gc --delete-untagged` reclaims them.'
    : 'Deleting frees no disk space by itself: run `registry-setup gc` to reclaim it.';
}
