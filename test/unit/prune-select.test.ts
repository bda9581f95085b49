import { describe, expect, it } from 'vitest';
import { matchRepos, selectPrune, type PruneTag } from '../../src/commands/prune/plan.js';
import type { DeleteBehaviour } from '../../src/registry/deletions.js';
import { repoGlob } from '../../src/registry/refs.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();
const D = (c: string) => `sha256:${c.repeat(64)}`;

/** "tag@digestChar:age" → a tag created `age` days ago on digest D(digestChar); age "-" means no created time. */
function tags(spec: string): PruneTag[] {
  return spec.split(' ').filter(Boolean).map((s) => {
    const [, tag, d, age] = /^([^@]+)@(.):(.+)$/.exec(s)!;
    return { tag: tag!, digest: D(d!), created: age === '-' ? null : daysAgo(Number(age)) };
  });
}

interface Row {
  name: string;
  tags: string;
  keep: number;
  olderThan?: number;
  protect?: RegExp;
  behaviour?: DeleteBehaviour;
  /** Tags deleted, skipped, and the DELETE refs sent (tags for untag, digest chars for delete). */
  deleted: string;
  skipped?: string;
  sends: string;
}

const TABLE: Row[] = [
  { name: 'keeps the N newest, deletes the rest', tags: 'v1@a:30 v2@b:20 v3@c:10 v4@d:1', keep: 2, deleted: 'v1 v2', sends: 'untag v1, untag v2' },
  { name: 'keep 0 deletes every unprotected tag', tags: 'latest@a:1 v1@b:5', keep: 0, deleted: 'v1', sends: 'untag v1' },
  { name: 'latest is protected by default and does not count toward N', tags: 'latest@d:100 v1@a:30 v2@b:20 v3@c:10', keep: 2, deleted: 'v1', sends: 'untag v1' },
  { name: '--older-than spares what is newer than DAYS', tags: 'v1@a:30 v2@b:20 v3@c:10 v4@d:1', keep: 1, olderThan: 15, deleted: 'v1 v2', sends: 'untag v1, untag v2' },
  { name: 'a tag exactly DAYS old is not older than DAYS', tags: 'v1@a:15 v2@b:1', keep: 1, olderThan: 15, deleted: '', sends: '' },
  { name: 'a custom --protect keeps every match', tags: 'stable@a:90 v1@b:60 v2@c:30', keep: 0, protect: /^stable$|^v2$/, deleted: 'v1', sends: 'untag v1' },
  { name: 'no created time: kept, never guessed at', tags: 'chart@a:- v1@b:30 v2@c:1', keep: 1, deleted: 'v1', sends: 'untag v1' },
  { name: 'same instant: the higher version name counts as newer', tags: 'v9@a:5 v10@b:5', keep: 1, deleted: 'v9', sends: 'untag v9' },
  { name: '3.x: a tag on a kept digest is untagged, the digest stays', tags: 'v1@a:30 v1-alias@a:30 v2@b:1', keep: 1, protect: /^v1$/, deleted: 'v1-alias', sends: 'untag v1-alias' },
  { name: '2.x: a tag on a kept digest is skipped, and says so', tags: 'v1@a:30 v1-alias@a:30 v2@b:1', keep: 1, protect: /^v1$/, behaviour: 'digest-only', deleted: '', skipped: 'v1-alias', sends: '' },
  { name: '2.x: two old tags on one digest make one DELETE', tags: 'old@a:50 old-alias@a:50 v2@b:1', keep: 1, behaviour: 'digest-only', deleted: 'old old-alias', sends: 'delete a' },
  { name: '2.x: keep 1 among tags sharing the newest digest skips its twin', tags: 'new@a:1 new-twin@a:1 old@b:40', keep: 1, behaviour: 'digest-only', deleted: 'old', skipped: 'new', sends: 'delete b' },
  { name: 'nothing old enough: nothing sent', tags: 'v1@a:3 v2@b:2', keep: 0, olderThan: 7, deleted: '', sends: '' },
];

describe('selectPrune: which tags go', () => {
  it.each(TABLE)('$name', (row) => {
    const s = selectPrune([{ name: 'repo', tags: tags(row.tags) }], {
      keep: row.keep, olderThanDays: row.olderThan ?? null, protect: row.protect ?? /^latest$/, now: NOW, behaviour: row.behaviour ?? 'untag',
    });
    const r = s.repos[0]!;
    expect(r.deleted.map((t) => t.tag).sort().join(' ')).toBe(row.deleted.split(' ').filter(Boolean).sort().join(' '));
    expect(r.skipped.map((t) => t.tag).sort().join(' ')).toBe(row.skipped ?? '');
    expect(s.actions.map((a) => (a.kind === 'untag' ? `untag ${a.ref}` : `delete ${a.digest[7]}`)).sort().join(', ')).toBe(row.sends);
    // every tag has exactly one fate
    expect(r.kept.length + r.deleted.length + r.skipped.length).toBe(tags(row.tags).length);
  });

  it('never sends a DELETE for a digest a kept tag points to', () => {
    for (const row of TABLE) {
      for (const behaviour of ['untag', 'digest-only'] as const) {
        const s = selectPrune([{ name: 'repo', tags: tags(row.tags) }], { keep: row.keep, olderThanDays: row.olderThan ?? null, protect: row.protect ?? /^latest$/, now: NOW, behaviour });
        const kept = new Set(s.repos[0]!.kept.map((k) => k.digest));
        expect(s.actions.filter((a) => a.kind === 'delete' && kept.has(a.digest))).toEqual([]);
      }
    }
  });

  it('names the kept tag that holds a skipped digest', () => {
    const s = selectPrune([{ name: 'repo', tags: tags('v1@a:30 alias@a:30') }], { keep: 0, olderThanDays: null, protect: /^v1$/, now: NOW, behaviour: 'digest-only' });
    expect(s.repos[0]!.skipped[0]!.why).toBe(`shares ${D('a')} with kept tag v1, and this registry (2.x) deletes only by digest`);
  });

  it('an untag says which tags still point at the digest', () => {
    const s = selectPrune([{ name: 'repo', tags: tags('v1@a:30 alias@a:30') }], { keep: 0, olderThanDays: null, protect: /^v1$/, now: NOW, behaviour: 'untag' });
    expect(s.actions).toEqual([{ repo: 'repo', kind: 'untag', ref: 'alias', digest: D('a'), tags: ['alias'], remaining: ['v1'] }]);
  });
});

describe('matchRepos and repoGlob', () => {
  const catalog = ['team/app', 'team/app/api', 'other', 'team/web'];
  it.each([
    [[], ['other', 'team/app', 'team/app/api', 'team/web']],
    [['team/*'], ['team/app', 'team/web']],
    [['team/**'], ['team/app', 'team/app/api', 'team/web']],
    [['team/a??'], ['team/app']],
    [['other', 'team/w*'], ['other', 'team/web']],
    [['team.app'], []],
  ])('%j', (globs, expected) => {
    expect(matchRepos(catalog, (globs as string[]).map(repoGlob))).toEqual(expected);
  });
});
