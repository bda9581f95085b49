import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, buildIndex, tagLayout, type BuiltImage } from './support/oci-index.js';
import { inParallel, PASSWORD, startRegistryFixture, USER, type RegistryFixture } from './support/registry-fixture.js';
import { canRunPeers } from './support/require-peers.js';
import { inspectDigest } from './support/skopeo.js';

/**
 * Issue 9, proof 1: 30 repositories pushed with skopeo (tags sharing digests, an
 * OCI index over two platforms, a Docker schema 2 image, several layers), read
 * back by `images --json` over pages of 7, against 2.8.2 and 3.1.1: every
 * digest, size, platform and created time exactly as pushed.
 */
const PEERS = ['docker-registry', 'skopeo', 'unshare', 'setpriv', 'xz'];
const root = mkdtempSync(join(tmpdir(), 'rs-images-'));
const layout = join(root, 'layout');
const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

interface Push { layoutTag: string; repo: string; tag: string; expected: Record<string, unknown>; format?: 'v2s2' }
const pushes: Push[] = [];
const image = (img: BuiltImage) => ({ digest: img.digest, mediaType: img.mediaType, kind: 'image', size: img.size, created: img.created, platform: img.platform });

beforeAll(async () => {
  // 27 team/app-NN: v1 and v2 distinct, and on even NN "stable" shares v2's digest.
  for (let n = 0; n < 27; n++) {
    const nn = String(n).padStart(2, '0');
    const v1 = await buildImage(layout, { payloads: [`app-${nn} v1`], created: `2026-01-${String(n + 1).padStart(2, '0')}T10:00:00Z` });
    const v2 = await buildImage(layout, { payloads: [`app-${nn} v2`, `app-${nn} v2 extra layer`], created: `2026-02-${String(n + 1).padStart(2, '0')}T11:30:00.250Z` });
    await tagLayout(layout, `app-${nn}-v1`, v1);
    await tagLayout(layout, `app-${nn}-v2`, v2);
    pushes.push({ layoutTag: `app-${nn}-v1`, repo: `team/app-${nn}`, tag: 'v1', expected: image(v1) });
    pushes.push({ layoutTag: `app-${nn}-v2`, repo: `team/app-${nn}`, tag: 'v2', expected: image(v2) });
    if (n % 2 === 0) pushes.push({ layoutTag: `app-${nn}-v2`, repo: `team/app-${nn}`, tag: 'stable', expected: image(v2) });
  }
  // An index over two platforms; its amd64 image also tagged on its own.
  const amd = await buildImage(layout, { payloads: ['multi amd64', 'shared base'], created: '2026-03-01T00:00:00Z' });
  const arm = await buildImage(layout, { payloads: ['multi arm64', 'shared base'], created: '2026-03-02T00:00:00Z', architecture: 'arm64', variant: 'v8' });
  const idx = await buildIndex(layout, [amd, arm]);
  await tagLayout(layout, 'multi', idx);
  await tagLayout(layout, 'multi-amd64', amd);
  const distinct = new Map([...amd.layers, ...arm.layers].map((l) => [l.digest, l.size]));
  expect(distinct.size).toBe(3); // the base layer is shared, and counts once
  pushes.push({ layoutTag: 'multi', repo: 'multi', tag: 'v1', expected: {
    digest: idx.digest, mediaType: idx.mediaType, kind: 'index', size: [...distinct.values()].reduce((a, b) => a + b, 0), created: arm.created,
    platforms: [amd, arm].map((p) => ({ platform: p.platform, digest: p.digest, size: p.size, created: p.created })),
  } });
  pushes.push({ layoutTag: 'multi-amd64', repo: 'multi', tag: 'amd64', expected: image(amd) });
  // Three layers, one of them empty-ish: the size is their sum.
  const layered = await buildImage(layout, { payloads: ['one', 'two'.repeat(5000), ''], created: '2026-04-30T23:59:59Z' });
  await tagLayout(layout, 'layered', layered);
  pushes.push({ layoutTag: 'layered', repo: 'z/layered', tag: 'latest', expected: image(layered) });
  // Converted to Docker schema 2 by skopeo: its digest is only known after the push.
  const docker = await buildImage(layout, { payloads: ['docker v2s2'], created: '2025-12-24T18:00:00Z' });
  await tagLayout(layout, 'docker', docker);
  pushes.push({ layoutTag: 'docker', repo: 'legacy/docker', tag: 'v2s2', format: 'v2s2',
    expected: { ...image(docker), mediaType: 'application/vnd.docker.distribution.manifest.v2+json' } });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(!canRunPeers(PEERS)).each([3, 2] as const)('images against registry %i', (major) => {
  let reg: RegistryFixture;
  let expected: { name: string; tags: Record<string, unknown>[] }[];

  beforeAll(async () => {
    reg = await startRegistryFixture(root, `bundle-${major}`, major);
    await inParallel(8, pushes.map((p) => () => reg.push(layout, p.layoutTag, `${p.repo}:${p.tag}`, p.format)));
    const byRepo = new Map<string, Record<string, unknown>[]>();
    for (const p of pushes) {
      const e: Record<string, unknown> = { tag: p.tag, ...p.expected };
      if (p.format) e.digest = (await inspectDigest(`${reg.address}/${p.repo}:${p.tag}`, { certDir: reg.certDir, creds: { username: USER, password: PASSWORD } })).digest;
      byRepo.set(p.repo, [...(byRepo.get(p.repo) ?? []), e]);
    }
    expected = [...byRepo].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, tags]) => ({ name, tags: tags.sort((a, b) => byName(String(a.tag), String(b.tag))) }));
    expect(expected).toHaveLength(30);
  });
  afterAll(() => reg?.stop());

  it('images --json reports exactly what was pushed, over pages of 7', async () => {
    const r = await reg.cli(['images', '--json', '--page-size', '7']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ registry: reg.address, repositories: expected });
  });

  it('named repositories only, and a terminal-less table with the index\'s platforms under it', async () => {
    const json = await reg.cli(['images', 'multi', 'team/app-03', '--json']);
    expect(JSON.parse(json.stdout).repositories.map((r: { name: string }) => r.name)).toEqual(['multi', 'team/app-03']);
    const table = await reg.cli(['images', 'multi']);
    expect(table.exitCode).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^REPOSITORY\s+TAG\s+DIGEST\s+KIND\s+PLATFORM\s+SIZE\s+CREATED \(UTC\)$/);
    expect(lines.filter((l) => /↳ image\s+linux\/(amd64|arm64\/v8)\s/.test(l))).toHaveLength(2);
    expect(lines.some((l) => /^multi\s+v1\s+sha256:[0-9a-f]{12}\s+index\s+2 platforms\s/.test(l))).toBe(true);
  });

  it('a repository the registry does not have is one line, exit 1', async () => {
    const r = await reg.cli(['images', 'no/such']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(`registry-setup: ${reg.address} has no repository no/such\n`.trimEnd());
  });
});
