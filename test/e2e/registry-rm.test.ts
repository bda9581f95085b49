import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildImage, tagLayout, type BuiltImage } from './support/oci-index.js';
import { PASSWORD, startRegistryFixture, USER, type RegistryFixture } from './support/registry-fixture.js';
import { canRunPeers } from './support/require-peers.js';
import { inspectDigest, pullToLayout } from './support/skopeo.js';

/**
 * Issue 9, proof 2, against the real registries: 3.1.1 untags (the other tag on
 * the digest stays pullable), 2.8.2 deletes only by digest (rm refuses and names
 * the other tag), REPO@DIGEST removes the manifest, and a registry with deletes
 * disabled or in read-only mode gives its one line. Which behaviour the registry
 * has is found by asking it, so the same command line runs against both.
 */
const PEERS = ['docker-registry', 'skopeo', 'unshare', 'setpriv', 'xz'];
const root = mkdtempSync(join(tmpdir(), 'rs-rm-'));
const layout = join(root, 'layout');
let shared: BuiltImage;
let other: BuiltImage;

beforeAll(async () => {
  shared = await buildImage(layout, { payloads: ['shared by a and b'], created: '2026-01-01T00:00:00Z' });
  other = await buildImage(layout, { payloads: ['c alone'], created: '2026-01-02T00:00:00Z' });
  await tagLayout(layout, 'shared', shared);
  await tagLayout(layout, 'other', other);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(!canRunPeers(PEERS)).each([3, 2] as const)('rm against registry %i', (major) => {
  let reg: RegistryFixture;
  const opts = () => ({ certDir: reg.certDir, creds: { username: USER, password: PASSWORD } });
  const digestOf = async (ref: string) => (await inspectDigest(`${reg.address}/${ref}`, opts())).digest;

  beforeAll(async () => {
    reg = await startRegistryFixture(root, `bundle-${major}`, major);
  });
  afterAll(() => reg?.stop());
  beforeEach(async () => {
    for (const tag of ['a', 'b']) await reg.push(layout, 'shared', `app:${tag}`);
    await reg.push(layout, 'other', 'app:c');
  });

  it('without a terminal, rm needs --yes (exit 2) and --dry-run deletes nothing', async () => {
    const refused = await reg.cli(['rm', 'app:c']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toBe('registry-setup: rm deletes, and there is no terminal to ask on: pass --yes to go ahead (or --dry-run to see what it would delete)');
    const dry = await reg.cli(['rm', 'app:c', '--dry-run', '--json']);
    expect(dry.stderr).toBe('');
    expect(dry.exitCode).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, behaviour: major === 3 ? 'untag' : 'digest-only', actions: [{ repo: 'app', digest: other.digest, tags: ['c'] }] });
    expect(await digestOf('app:c')).toBe(other.digest);
  });

  if (major === 3) {
    it('3.1.1: rm app:a untags; app:b on the same digest stays pullable', async () => {
      const r = await reg.cli(['rm', 'app:a', '--yes']);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain(`✔ untag   app:a  (${shared.digest} stays, still tagged b)`);
      expect(r.stdout).toContain('Deleting frees no disk space by itself');
      expect(await digestOf('app:a')).toBeUndefined();
      expect(await digestOf('app:b')).toBe(shared.digest);
      const pulled = await pullToLayout(`${reg.address}/app:b`, join(root, `pulled-${Date.now()}`), 'b', opts());
      expect(pulled.exitCode).toBe(0);
    });
  } else {
    it('2.8.2: rm app:a refuses, names app:b, and deletes nothing; --all-tags deletes both', async () => {
      const r = await reg.cli(['rm', 'app:a', '--yes']);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toBe(`registry-setup: app:a shares its digest ${shared.digest} with app:b, and this registry (2.x) deletes only by digest, which removes every tag on it: pass --all-tags to delete them all (nothing was deleted)`);
      expect(await digestOf('app:a')).toBe(shared.digest);
      expect(await digestOf('app:b')).toBe(shared.digest);
      const all = await reg.cli(['rm', 'app:a', '--yes', '--all-tags', '--json']);
      expect(all.exitCode).toBe(0);
      expect(JSON.parse(all.stdout).actions).toEqual([{ repo: 'app', kind: 'delete', ref: shared.digest, digest: shared.digest, tags: ['a', 'b'], remaining: [], result: 'deleted' }]);
      expect(await digestOf('app:a')).toBeUndefined();
      expect(await digestOf('app:b')).toBeUndefined();
      expect(await digestOf('app:c')).toBe(other.digest);
    });
  }

  it('rm REPO@DIGEST removes the manifest and every tag on it', async () => {
    const r = await reg.cli(['rm', `${reg.address}/app@${shared.digest}`, '--yes', '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).actions).toEqual([{ repo: 'app', kind: 'delete', ref: shared.digest, digest: shared.digest, tags: ['a', 'b'], remaining: [], result: 'deleted' }]);
    expect(await digestOf(`app@${shared.digest}`)).toBeUndefined();
    const left = JSON.parse((await reg.cli(['images', 'app', '--json'])).stdout).repositories[0].tags.map((t: { tag: string }) => t.tag);
    expect(left).toEqual(['c']);
  });

  it('names what does not exist, and deletes nothing when anything is missing', async () => {
    const r = await reg.cli(['rm', 'app:c', 'app:nope', 'ghost:x', '--yes']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('registry-setup: no app:nope; no repository ghost (nothing was deleted)');
    expect(await digestOf('app:c')).toBe(other.digest);
  });

  it('deletes disabled in config.yml, then read-only mode: one line each, and nothing deleted', async () => {
    await reg.reconfigure((y) => y.replace(/delete:\n(\s+)enabled: true/, 'delete:\n$1enabled: false'));
    const disabled = await reg.cli(['rm', 'app:c', '--yes']);
    expect(disabled.exitCode).toBe(1);
    expect(disabled.stderr).toBe(`registry-setup: ${reg.address} has deletes disabled: set storage.delete.enabled: true in its config.yml and restart it (UNSUPPORTED)`);
    await reg.reconfigure((y) => y.replace(/delete:\n(\s+)enabled: false/, 'delete:\n$1enabled: true').replace(/^storage:\n/m, 'storage:\n  maintenance:\n    readonly:\n      enabled: true\n'));
    const readOnly = await reg.cli(['rm', 'app:c', '--yes']);
    expect(readOnly.exitCode).toBe(1);
    expect(readOnly.stderr).toBe(`registry-setup: ${reg.address} is read-only (storage.maintenance.readonly is on, as during garbage collection): DELETE is refused until it is writable again`);
    expect(await digestOf('app:c')).toBe(other.digest);
    await reg.reconfigure((y) => y.replace(/ {2}maintenance:\n {4}readonly:\n {6}enabled: true\n/, ''));
  });
});
