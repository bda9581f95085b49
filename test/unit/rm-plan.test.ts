import { describe, expect, it } from 'vitest';
import { planRm, type RmFacts } from '../../src/commands/rm/plan.js';
import type { DeleteBehaviour } from '../../src/registry/deletions.js';
import { parseImageRef } from '../../src/registry/refs.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;

/** repo "app": a and b share digest A, c alone on C; digest E exists untagged. */
function facts(behaviour: DeleteBehaviour): RmFacts {
  return {
    behaviour,
    tags: new Map([['app', new Map([['a', D('a')], ['b', D('a')], ['c', D('c')]])]]),
    digests: new Set([`app@${D('a')}`, `app@${D('c')}`, `app@${D('e')}`]),
  };
}

const plan = (refs: string[], behaviour: DeleteBehaviour, allTags = false) => {
  const p = planRm(refs.map((r) => parseImageRef(r)), facts(behaviour), allTags);
  return {
    sends: p.actions.map((a) => `${a.kind} ${a.kind === 'untag' ? a.ref : a.digest[7]} [${a.tags.join(',')}]${a.remaining.length ? ` stays:${a.remaining.join(',')}` : ''}`),
    missing: p.missing,
    refusals: p.refusals.map((r) => r.replace(/ shares its digest .* with (\S+),.*$/, ' shares with $1')),
  };
};

describe('planRm', () => {
  it.each([
    // [refs, behaviour, allTags, what is sent, refusals]
    [['app:a'], 'untag', false, ['untag a [a] stays:b'], []],
    [['app:a', 'app:b'], 'untag', false, ['untag a [a]', 'untag b [b]'], []],
    [['app:a', 'app:a'], 'untag', false, ['untag a [a] stays:b'], []],
    [['app:c'], 'untag', false, ['untag c [c]'], []],
    [['app:a'], 'digest-only', false, [], ['app:a shares with app:b']],
    [['app:a'], 'digest-only', true, ['delete a [a,b]'], []],
    [['app:a', 'app:b'], 'digest-only', false, ['delete a [a,b]'], []],
    [['app:c'], 'digest-only', false, ['delete c [c]'], []],
    [[`app@${D('a')}`], 'untag', false, ['delete a [a,b]'], []],
    [[`app@${D('a')}`, 'app:a'], 'untag', false, ['delete a [a,b]'], []],
    [[`app@${D('a')}`, 'app:a'], 'digest-only', false, ['delete a [a,b]'], []],
    [[`app@${D('e')}`], 'digest-only', false, ['delete e []'], []],
  ] as const)('%j on %s (all-tags %s)', (refs, behaviour, allTags, sends, refusals) => {
    const p = plan([...refs], behaviour, allTags);
    expect(p.sends).toEqual(sends);
    expect(p.refusals).toEqual(refusals);
    expect(p.missing).toEqual([]);
  });

  it('names what is missing: a tag, a digest, a repository', () => {
    const p = plan(['app:zz', `app@${D('f')}`, 'nope:x'], 'untag');
    expect(p.missing).toEqual(['no app:zz', `no app@${D('f')}`, 'no repository nope']);
  });

  it('a refusal names every other tag on the digest, and the way out', () => {
    const p = planRm([parseImageRef('app:a')], { ...facts('digest-only'), tags: new Map([['app', new Map([['a', D('a')], ['b', D('a')], ['z', D('a')]])]]) }, false);
    expect(p.refusals).toEqual([`app:a shares its digest ${D('a')} with app:b, app:z, and this registry (2.x) deletes only by digest, which removes every tag on it: pass --all-tags to delete them all`]);
  });
});

describe('parseImageRef', () => {
  it.each([
    ['team/app:v1', { repo: 'team/app', tag: 'v1' }],
    [`team/app@${D('a')}`, { repo: 'team/app', digest: D('a') }],
    ['10.0.0.5:5000/team/app:v1', { repo: 'team/app', tag: 'v1' }],
  ])('%s', (text, want) => {
    expect(parseImageRef(text, '10.0.0.5:5000')).toMatchObject(want);
  });

  it.each([
    ['team/app', /name the tag/],
    ['Team/app:v1', /is not a repository name/],
    ['app:-bad', /is not a valid tag/],
    ['app@sha256:1234', /is not a sha256 digest/],
    ['other.host:5000/app:v1', /names the registry other\.host:5000, but this command works on 10\.0\.0\.5:5000/],
  ])('%s is refused', (text, why) => {
    expect(() => parseImageRef(text, '10.0.0.5:5000')).toThrow(why);
  });
});
