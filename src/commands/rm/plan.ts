import type { DeleteAction, DeleteBehaviour } from '../../registry/deletions.js';
import { byName } from '../../registry/inventory.js';
import type { ImageRef } from '../../registry/refs.js';

/** What the registry holds for the repositories the references name, read before anything is planned. */
export interface RmFacts {
  behaviour: DeleteBehaviour;
  /** tag → digest, per repository; a repository the registry does not have is absent. */
  tags: Map<string, Map<string, string>>;
  /** "repo@digest" for every digest reference the registry has. */
  digests: Set<string>;
}

export interface RmPlan {
  actions: DeleteAction[];
  /** References that name nothing: nothing is deleted while any remains. */
  missing: string[];
  /** References that would take other tags with them (2.x without --all-tags). */
  refusals: string[];
}

const tagsOn = (tags: Map<string, string>, digest: string) => [...tags].filter(([, d]) => d === digest).map(([t]) => t).sort(byName);

/**
 * Pure: the DELETEs that remove exactly what was named. On an untagging registry
 * a tag is untagged; on a digest-only one a tag means its digest, and so every
 * tag on it: refused (naming them) unless --all-tags or they were named too.
 * Two references to one manifest make one DELETE.
 */
export function planRm(refs: ImageRef[], facts: RmFacts, allTags: boolean): RmPlan {
  const missing: string[] = [];
  const refusals: string[] = [];
  const deletes = new Map<string, DeleteAction>();
  const untags: DeleteAction[] = [];
  const named = new Set(refs.map((r) => (r.tag !== undefined ? `${r.repo}:${r.tag}` : `${r.repo}@${r.digest}`)));

  for (const ref of refs) {
    const tags = facts.tags.get(ref.repo);
    if (!tags) {
      missing.push(`no repository ${ref.repo}`);
      continue;
    }
    const digest = ref.digest ?? tags.get(ref.tag);
    if (!digest || (ref.digest && !facts.digests.has(`${ref.repo}@${ref.digest}`))) {
      missing.push(`no ${ref.text}`);
      continue;
    }
    const all = tagsOn(tags, digest);
    if (ref.tag !== undefined && facts.behaviour === 'untag') {
      if (untags.some((u) => u.repo === ref.repo && u.ref === ref.tag)) continue;
      untags.push({ repo: ref.repo, kind: 'untag', ref: ref.tag, digest, tags: [ref.tag], remaining: [] });
      continue;
    }
    if (ref.tag !== undefined && !allTags && !named.has(`${ref.repo}@${digest}`)) {
      const others = all.filter((t) => !named.has(`${ref.repo}:${t}`));
      if (others.length > 0) {
        refusals.push(`${ref.text} shares its digest ${digest} with ${others.map((t) => `${ref.repo}:${t}`).join(', ')}, and this registry (2.x) deletes only by digest, which removes every tag on it: pass --all-tags to delete them all`);
        continue;
      }
    }
    const key = `${ref.repo}@${digest}`;
    if (!deletes.has(key)) deletes.set(key, { repo: ref.repo, kind: 'delete', ref: digest, digest, tags: all, remaining: [] });
  }

  // An untag inside a manifest that is deleted anyway is already done by that delete.
  const kept = untags.filter((u) => !deletes.has(`${u.repo}@${u.digest}`));
  const gone = new Set(kept.map((u) => `${u.repo}:${u.ref}`));
  for (const u of kept) u.remaining = tagsOn(facts.tags.get(u.repo)!, u.digest).filter((t) => !gone.has(`${u.repo}:${t}`));
  return { actions: [...deletes.values(), ...kept], missing, refusals };
}
