import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, buildIndex, tagLayout } from './support/oci-index.js';
import { inParallel, startRegistryFixture, type RegistryFixture } from './support/registry-fixture.js';
import { canRunPeers } from './support/require-peers.js';

/**
 * Issue 9, proof 3: repositories whose images carry chosen created times, one
 * prune command line, and exactly the expected deletions on 3.1.1 (untags) and
 * on 2.8.2 (deletes by digest, skipping tags that share a kept tag's digest).
 * --dry-run's actions are --yes's actions, and the registry ends up holding
 * exactly the tags that should stay.
 */
const PEERS = ['docker-registry', 'skopeo', 'unshare', 'setpriv', 'xz'];
const root = mkdtempSync(join(tmpdir(), 'rs-prune-'));
const layout = join(root, 'layout');
const now = Date.now();
const daysAgo = (d: number) => new Date(now - d * 86_400_000).toISOString();
const PRUNE = ['prune', '--keep', '2', '--older-than', '30', '--protect', '^(latest|stable)$', '--repo', 'p/**'];

/** repo → [tag, image key, age in days or null]; tags with one key share one digest. */
const TABLE: Record<string, [string, string, number | null][]> = {
  'p/svc': [['v1', 's1', 100], ['v2', 's2', 50], ['v3', 's3', 10], ['v4', 's4', 1], ['latest', 's4', 1]],
  'p/shared': [['new', 'h1', 1], ['old', 'h2', 90], ['old-alias', 'h2', 90]],
  'p/held': [['stable', 'k1', 60], ['v1', 'k1', 60], ['n1', 'k2', 5], ['n2', 'k3', 3]],
  'p/recent': [['r1', 'r1', 40], ['r2', 'r2', 20], ['r3', 'r3', 10], ['r4', 'r4', 5]],
  'p/multi': [['m1', 'INDEX', 70], ['m2', 'm2', 2], ['m3', 'm3', 1]],
  'p/team/nodate': [['nd', 'nd', null], ['x1', 'x1', 1], ['x2', 'x2', 2], ['x3', 'x3', 100]],
  'other/untouched': [['o1', 'o1', 200], ['o2', 'o2', 300]],
};
const digests = new Map<string, string>();

const EXPECTED = {
  3: {
    sends: ['untag p/held:v1', 'untag p/multi:m1', 'untag p/recent:r1', 'untag p/shared:old', 'untag p/svc:v1', 'untag p/svc:v2', 'untag p/team/nodate:x3'],
    skipped: [] as string[],
    left: { 'p/shared': ['new', 'old-alias'], 'p/held': ['n1', 'n2', 'stable'] },
  },
  2: {
    sends: ['delete p/multi@INDEX [m1]', 'delete p/recent@r1 [r1]', 'delete p/svc@s1 [v1]', 'delete p/svc@s2 [v2]', 'delete p/team/nodate@x3 [x3]'],
    skipped: ['p/held:v1 (stable)', 'p/shared:old (old-alias)'],
    left: { 'p/shared': ['new', 'old', 'old-alias'], 'p/held': ['n1', 'n2', 'stable', 'v1'] },
  },
} as const;
const LEFT_BOTH: Record<string, string[]> = {
  'p/svc': ['latest', 'v3', 'v4'], 'p/recent': ['r2', 'r3', 'r4'], 'p/multi': ['m2', 'm3'], 'p/team/nodate': ['nd', 'x1', 'x2'], 'other/untouched': ['o1', 'o2'],
};

beforeAll(async () => {
  for (const rows of Object.values(TABLE)) {
    for (const [, key, age] of rows) {
      if (digests.has(key)) continue;
      if (key === 'INDEX') {
        const amd = await buildImage(layout, { payloads: ['m1 amd64'], created: daysAgo(72) });
        const arm = await buildImage(layout, { payloads: ['m1 arm64'], created: daysAgo(70), architecture: 'arm64' });
        const idx = await buildIndex(layout, [amd, arm]);
        await tagLayout(layout, key, idx);
        digests.set(key, idx.digest);
        continue;
      }
      const img = await buildImage(layout, { payloads: [`prune ${key}`], ...(age !== null && { created: daysAgo(age) }) });
      await tagLayout(layout, key, img);
      digests.set(key, img.digest);
    }
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Action { repo: string; kind: string; ref: string; digest: string; tags: string[]; result?: string }
const keyOf = (digest: string) => [...digests].find(([, d]) => d === digest)?.[0];
const describeSend = (a: Action) => (a.kind === 'untag' ? `untag ${a.repo}:${a.ref}` : `delete ${a.repo}@${keyOf(a.digest)} [${a.tags.join(',')}]`);

describe.skipIf(!canRunPeers(PEERS)).each([3, 2] as const)('prune against registry %i', (major) => {
  let reg: RegistryFixture;
  beforeAll(async () => {
    reg = await startRegistryFixture(root, `bundle-${major}`, major);
    const pushes = Object.entries(TABLE).flatMap(([repo, rows]) => rows.map(([tag, key]) => () => reg.push(layout, key, `${repo}:${tag}`)));
    await inParallel(8, pushes);
  });
  afterAll(() => reg?.stop());

  it('--dry-run prints exactly what --yes deletes, and the registry keeps exactly the rest', async () => {
    const dry = await reg.cli([...PRUNE, '--dry-run', '--json']);
    expect(dry.stderr).toBe('');
    expect(dry.exitCode).toBe(0);
    const planned = JSON.parse(dry.stdout) as { actions: Action[]; repositories: { repo: string; skipped: { tag: string; why: string }[] }[] };
    expect(planned.actions.map(describeSend).sort()).toEqual(EXPECTED[major].sends);
    const skipped = planned.repositories.flatMap((r) => r.skipped.map((s) => `${r.repo}:${s.tag} (${/kept tag (\S+),/.exec(s.why)?.[1]})`)).sort();
    expect(skipped).toEqual(EXPECTED[major].skipped);

    const text = await reg.cli([...PRUNE, '--dry-run']);
    expect(text.stdout).toContain(`Would delete: ${major === 3 ? 7 : 5} tags in ${EXPECTED[major].sends.length} DELETEs${major === 2 ? '; 2 skipped (their digest is kept)' : ''} (nothing deleted)`);

    const done = await reg.cli([...PRUNE, '--yes', '--json']);
    expect(done.stderr).toBe('');
    expect(done.exitCode).toBe(0);
    const sent = (JSON.parse(done.stdout) as { actions: Action[] }).actions;
    expect(sent.every((a) => a.result === 'deleted')).toBe(true);
    expect(sent.map(({ result: _, ...a }) => a)).toEqual(planned.actions);

    const images = JSON.parse((await reg.cli(['images', '--json'])).stdout) as { repositories: { name: string; tags: { tag: string }[] }[] };
    const left = Object.fromEntries(images.repositories.map((r) => [r.name, r.tags.map((t) => t.tag).sort()]));
    expect(left).toEqual({ ...LEFT_BOTH, ...EXPECTED[major].left });
  });

  it('a second run finds nothing more to delete', async () => {
    const again = await reg.cli([...PRUNE, '--yes']);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('Nothing to delete.');
  });
});
