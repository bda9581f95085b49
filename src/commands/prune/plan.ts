import { DAY_MS } from '../../pki/dates.js';
import type { DeleteAction, DeleteBehaviour } from '../../registry/deletions.js';
import { byName } from '../../registry/inventory.js';

export interface PruneTag {
  tag: string;
  digest: string;
  /** ISO time from the image config; null when there is none. */
  created: string | null;
}

export interface PruneRules {
  keep: number;
  olderThanDays: number | null;
  protect: RegExp;
  now: Date;
  behaviour: DeleteBehaviour;
}

/** Why a tag stays: it matches --protect, is among the --keep newest, is not older than --older-than, or has no date to judge by. */
export type KeepReason = 'protected' | 'newest' | 'recent' | 'no-date';

export interface RepoDecision {
  repo: string;
  kept: (PruneTag & { why: KeepReason })[];
  deleted: PruneTag[];
  /** Chosen for deletion, but its digest is one a kept tag points to, on a registry that deletes only by digest. */
  skipped: (PruneTag & { why: string })[];
}

export interface PruneSelection {
  repos: RepoDecision[];
  /** Exactly the DELETEs --yes sends. */
  actions: DeleteAction[];
}

/** Repositories matching any glob (all, with none), in catalog order. */
export function matchRepos(catalog: string[], globs: RegExp[]): string[] {
  return [...catalog].sort().filter((name) => globs.length === 0 || globs.some((g) => g.test(name)));
}

/** Newest first; tags built at the same instant (one digest, or one build) in descending name order, so v10 counts as newer than v9. */
function newestFirst(a: PruneTag, b: PruneTag): number {
  return (b.created ?? '').localeCompare(a.created ?? '') || byName(b.tag, a.tag);
}

/**
 * Pure retention. In each repository: tags matching --protect stay and do not
 * count; of the rest, the `keep` newest stay; of those left, only tags older
 * than --older-than go. A digest a kept tag points to is never deleted: an
 * untagging registry (3.x) just untags the others, a digest-only one (2.x)
 * must skip them, and says which kept tag holds the digest.
 */
export function selectPrune(repos: { name: string; tags: PruneTag[] }[], rules: PruneRules): PruneSelection {
  const cutoff = rules.olderThanDays === null ? null : rules.now.getTime() - rules.olderThanDays * DAY_MS;
  const decisions: RepoDecision[] = [];
  const actions: DeleteAction[] = [];
  for (const { name, tags } of repos) {
    const kept: RepoDecision['kept'] = [];
    const candidates: PruneTag[] = [];
    for (const t of tags) {
      if (rules.protect.test(t.tag)) kept.push({ ...t, why: 'protected' });
      else if (t.created === null) kept.push({ ...t, why: 'no-date' });
      else candidates.push(t);
    }
    candidates.sort(newestFirst);
    const chosen: PruneTag[] = [];
    candidates.forEach((t, i) => {
      if (i < rules.keep) kept.push({ ...t, why: 'newest' });
      else if (cutoff !== null && Date.parse(t.created!) >= cutoff) kept.push({ ...t, why: 'recent' });
      else chosen.push(t);
    });
    const decision: RepoDecision = { repo: name, kept: kept.sort(newestFirst), deleted: [], skipped: [] };
    const keptDigest = new Map<string, string>();
    for (const k of [...decision.kept].reverse()) keptDigest.set(k.digest, k.tag); // the newest kept tag names the digest
    const byDigest = new Map<string, PruneTag[]>();
    for (const t of chosen) {
      const holder = keptDigest.get(t.digest);
      if (holder !== undefined && rules.behaviour === 'digest-only') {
        decision.skipped.push({ ...t, why: `shares ${t.digest} with kept tag ${holder}, and this registry (2.x) deletes only by digest` });
        continue;
      }
      decision.deleted.push(t);
      byDigest.set(t.digest, [...(byDigest.get(t.digest) ?? []), t]);
    }
    for (const [digest, group] of byDigest) {
      const groupTags = group.map((t) => t.tag).sort(byName);
      if (rules.behaviour === 'digest-only') {
        actions.push({ repo: name, kind: 'delete', ref: digest, digest, tags: groupTags, remaining: [] });
        continue;
      }
      const remaining = tags.filter((t) => t.digest === digest && !groupTags.includes(t.tag)).map((t) => t.tag).sort(byName);
      for (const tag of groupTags) actions.push({ repo: name, kind: 'untag', ref: tag, digest, tags: [tag], remaining });
    }
    decisions.push(decision);
  }
  return { repos: decisions, actions };
}
