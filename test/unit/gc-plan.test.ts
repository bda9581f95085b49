import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readComposeFacts } from '../../src/bundle/compose-facts.js';
import { REGISTRY_IMAGE, renderCompose } from '../../src/bundle/plan-files.js';
import type { BundleState, Mode } from '../../src/bundle/state.js';
import { planGc } from '../../src/commands/gc/plan.js';
import { describeCollected } from '../../src/commands/gc/report.js';
import { stillRunning, workerPids } from '../../src/stack/top-pids.js';
import { blobSizes, hostStorageRoot, removeRepository, taglessRepositories } from '../../src/storage/filesystem.js';
import { parseGcOutput } from '../../src/storage/gc-output.js';

const G = 'g-20260101T000000000Z-abcdef';
const state = (mode: Mode, image = REGISTRY_IMAGE): BundleState => ({
  version: 1, mode, hosts: ['127.0.0.1'], port: 5443, days: 825, caDays: 3650, keyType: 'ecdsa',
  bcryptCost: 5, externalCa: false, image, createdAt: '2026-01-01T00:00:00.000Z',
});
const facts = (mode: Mode, image = REGISTRY_IMAGE) => readComposeFacts(renderCompose(state(mode, image)));
const none = { dryRun: false, deleteUntagged: false, force: false };

describe('planGc', () => {
  it('runs garbage-collect with the live generation\'s config, and switches by mode', () => {
    expect(planGc(state('proxy'), facts('proxy'), G, none)).toMatchObject({
      switch: 'proxy', image: REGISTRY_IMAGE, args: ['garbage-collect', `/etc/registry-setup/.gen/${G}/config.yml`], warnings: [],
    });
    expect(planGc(state('tls'), facts('tls'), G, { ...none, deleteUntagged: true }).args).toEqual(['garbage-collect', '--delete-untagged', `/etc/registry-setup/.gen/${G}/config.yml`]);
    expect(planGc(state('insecure'), facts('insecure'), G, none).switch).toBe('restart');
  });

  it('refuses --delete-untagged on registry 2.x unless --force, saying why', () => {
    const old = facts('tls', 'registry:2.8.3');
    expect(() => planGc(state('tls'), old, G, { ...none, deleteUntagged: true })).toThrow(/registry 2\.x \(registry:2\.8\.3\).*multi-arch index.*distribution#3178.*--force/);
    expect(planGc(state('tls'), old, G, { ...none, deleteUntagged: true, force: true }).warnings).toEqual([expect.stringMatching(/going ahead: --force/)]);
    expect(planGc(state('tls'), old, G, { ...none, deleteUntagged: true, dryRun: true }).warnings).toHaveLength(1);
    expect(planGc(state('tls'), old, G, none).warnings).toEqual([]);
    // What runs is the compose file's image, not the record's.
    expect(() => planGc(state('tls', REGISTRY_IMAGE), old, G, { ...none, deleteUntagged: true })).toThrow(/distribution#3178/);
  });

  it('sends a bundle from before generations to upgrade: its containers do not see the configs gc switches between', () => {
    expect(() => planGc(state('tls'), facts('tls'), null, none)).toThrow(/before generations.*upgrade --reload first/);
    expect(() => planGc(state('tls'), readComposeFacts('services:\n  registry:\n    image: registry:2\n    volumes: ["./config.yml:/etc/docker/registry/config.yml"]\n'), G, none)).toThrow(/before generations/);
  });
});

describe("garbage-collect's output", () => {
  const hex = (c: string) => c.repeat(64);
  it('counts the blobs and manifests it names, once each', () => {
    const out = [
      'demo/keep', `demo/keep: marking manifest sha256:${hex('1')} `, `demo/keep: marking blob sha256:${hex('2')}`, '',
      '2 blobs marked, 2 blobs and 1 manifests eligible for deletion',
      `blob eligible for deletion: sha256:${hex('a')}`, `blob eligible for deletion: sha256:${hex('b')}`,
    ].join('\n');
    expect(parseGcOutput(out)).toEqual({ blobsMarked: 2, manifestsEligible: 1, blobsEligible: [hex('a'), hex('b')] });
    expect(parseGcOutput('')).toEqual({ blobsMarked: null, manifestsEligible: 0, blobsEligible: [] });
  });

  it('reads as one line', () => {
    expect(describeCollected({ blobs: 3, bytes: 1_234_567, manifests: 0, repositories: ['a', 'b/c'] })).toBe('3 blobs (1.23 MB) and 0 manifests; 2 repositories with no tag: a, b/c');
    expect(describeCollected({ blobs: 1, bytes: null, manifests: 1, repositories: [] })).toBe('1 blob and 1 manifest');
  });
});

describe('filesystem storage', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const storage = () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-storage-'));
    roots.push(dir);
    return { dir, root: join(dir, 'data/docker/registry/v2') };
  };
  const mk = (root: string, ...parts: string[]) => mkdirSync(join(root, 'repositories', ...parts), { recursive: true });

  it('is the bundle data/ only for filesystem storage at the mounted path', () => {
    expect(hostStorageRoot('/b', 'storage:\n  filesystem:\n    rootdirectory: /var/lib/registry\n')).toBe('/b/data/docker/registry/v2');
    expect(hostStorageRoot('/b', 'storage:\n  s3: {bucket: x}\n')).toBeNull();
    expect(hostStorageRoot('/b', 'storage:\n  filesystem:\n    rootdirectory: /srv/other\n')).toBeNull();
  });

  it('finds repositories with no tag, nested ones included, and removes only their own data', () => {
    const { root } = storage();
    mk(root, 'keep', '_manifests', 'tags', 'v1');
    mk(root, 'gone', '_manifests', 'tags');
    mk(root, 'gone', '_layers', 'sha256');
    mk(root, 'team', 'app', '_manifests', 'revisions'); // no tags directory at all
    mk(root, 'team', 'app', 'sub', '_manifests', 'tags', 'latest'); // nested below a tagless one
    mk(root, 'pushing', '_uploads', 'u1'); // not in the catalog yet: left to the registry's upload purge
    expect(taglessRepositories(root)).toEqual(['gone', 'team/app']);
    removeRepository(root, 'gone');
    removeRepository(root, 'team/app');
    expect(existsSync(join(root, 'repositories/gone'))).toBe(false);
    expect(readdirSync(join(root, 'repositories/team/app'))).toEqual(['sub']);
    expect(taglessRepositories(root)).toEqual([]);
  });

  it('reads blob sizes', () => {
    const { root } = storage();
    const blob = join(root, 'blobs/sha256/ab', `ab${'0'.repeat(62)}`);
    mkdirSync(blob, { recursive: true });
    writeFileSync(join(blob, 'data'), 'x'.repeat(42));
    expect([...blobSizes(root)]).toEqual([[`ab${'0'.repeat(62)}`, 42]]);
  });
});

describe("nginx's workers", () => {
  const top = (workers: string[]) => [
    'p_nginx_1',
    ' UID   PID     PPID    C   STIME   TTY   TIME       CMD',
    '-------------------------------------------------------',
    'root   29933   29911   0   06:36   ?     00:00:00   nginx: master process nginx -g daemon off; -c /x.conf',
    ...workers,
  ].join('\n');
  it('are told apart from the master, and the old ones tracked until they exit', () => {
    const before = workerPids(top(['nobody 101 29933 0 06:36 ? 00:00:00 nginx: worker process', 'nobody 102 29933 0 06:36 ? 00:00:00 nginx: worker process']));
    expect(before).toEqual([101, 102]);
    const after = workerPids(top(['nobody 102 29933 0 06:36 ? 00:00:00 nginx: worker process is shutting down', 'nobody 201 29933 0 06:37 ? 00:00:00 nginx: worker process']));
    expect(stillRunning(before, after)).toEqual([102]);
  });
});
