import { describe, expect, it } from 'vitest';
import { REGISTRY_IMAGE } from '../../src/bundle/plan-files.js';
import { adviseImage, describeImageAdvice, parseImage, registryMajor, upgradedImage } from '../../src/bundle/registry-image.js';

describe('registry images', () => {
  it.each([
    ['registry:3.1.1', 'registry', '3.1.1', [3, 1, 1]],
    ['registry:2', 'registry', '2', [2]],
    ['mirror.lan:5000/library/registry:2.8.3', 'mirror.lan:5000/library/registry', '2.8.3', [2, 8, 3]],
    ['mirror.lan:5000/registry', 'mirror.lan:5000/registry', null, null],
    ['registry:latest', 'registry', 'latest', null],
    ['registry@sha256:abcd', 'registry', null, null],
  ])('%s', (image, repository, tag, version) => {
    expect(parseImage(image)).toEqual({ repository, tag, version });
  });

  it('knows 2.x by its tag', () => {
    expect(['registry:2', 'registry:2.8.3', 'registry:3.1.1', 'registry'].map(registryMajor)).toEqual([2, 2, 3, null]);
  });

  it.each([
    ['registry:3.0.0', ['CVE-2026-35172', 'CVE-2026-33540', 'CVE-2026-41888']],
    ['registry:3.1.0', ['CVE-2026-41888']],
    ['mirror.lan/registry:3.0.0', ['CVE-2026-35172', 'CVE-2026-33540', 'CVE-2026-41888']],
    // Older than pinned, but nobody checked 2.x for these: no CVE is claimed.
    ['registry:2.8.3', []],
  ])('%s is older than the pin and has %j', (image, cves) => {
    const a = adviseImage(image, REGISTRY_IMAGE);
    expect(a.outdated).toBe(true);
    expect(a.cves.map((c) => c.id)).toEqual(cves);
  });

  it.each(['registry:3.1.1', 'registry:3.2.0', 'registry:latest', 'registry', 'example/other:1.0'])('%s is not called old', (image) => {
    expect(adviseImage(image, REGISTRY_IMAGE)).toMatchObject({ outdated: false, cves: [] });
    expect(describeImageAdvice(adviseImage(image, REGISTRY_IMAGE))).toBeNull();
  });

  it('says which release fixes which CVE, and what to run', () => {
    expect(describeImageAdvice(adviseImage('registry:3.0.0', 'registry:3.1.1'))).toBe(
      'the registry image registry:3.0.0 is older than registry:3.1.1, which fixes CVE-2026-35172 and CVE-2026-33540 (fixed in 3.1.0), '
      + 'CVE-2026-41888 (fixed in 3.1.1): run registry-setup upgrade --reload');
  });

  it.each([
    ['registry:3.0.0', 'registry:3.1.1'],
    ['registry:2', 'registry:3.1.1'],
    ['mirror.lan:5000/library/registry:3.0.0', 'mirror.lan:5000/library/registry:3.1.1'],
    ['registry:3.2.0', 'registry:3.2.0'],
    ['registry:latest', 'registry:latest'],
    ['example/other:1.0', 'example/other:1.0'],
  ])('upgrade takes %s to %s', (from, to) => {
    expect(upgradedImage(from, 'registry:3.1.1')).toBe(to);
  });
});
