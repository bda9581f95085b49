import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { planBundleFiles, REGISTRY_IMAGE, renderNginx } from '../../src/bundle/plan-files.js';
import type { BundleState, Mode } from '../../src/bundle/state.js';
import { commitChange, createBundle } from '../../src/io/bundle-writer.js';
import { PUBLIC, resolvedFiles } from '../../src/io/file-plan.js';
import { currentGeneration, writtenHashes } from '../../src/io/generations.js';
import { leaveMaintenance } from '../../src/maintenance/leave.js';
import { pointUpstreamAt, READONLY_CONFIG, readonlyContainerName, readOnlyConfig } from '../../src/maintenance/readonly-config.js';
import { MAINTENANCE_FILE, newRecord, readRecord, writeRecord, type Step } from '../../src/maintenance/record.js';
import { restoreInterruptedMaintenance } from '../../src/maintenance/restore.js';
import { renderRegistryConfig } from '../../src/render/registry-config.js';
import { fakeStack } from './support/fake-stack.js';

const roots: string[] = [];
afterAll(() => roots.forEach((d) => rmSync(d, { recursive: true, force: true })));
const ctx = () => ({ now: new Date(), random: (n: number) => randomBytes(n) });
const state = (mode: Mode): BundleState => ({
  version: 1, mode, hosts: ['127.0.0.1'], port: 5443, days: 825, caDays: 3650, keyType: 'ecdsa',
  bcryptCost: 5, externalCa: false, image: REGISTRY_IMAGE, createdAt: '2026-01-01T00:00:00.000Z',
});

/** A bundle in gc's read-only window, as gc leaves it when killed at `step`. */
async function inWindow(mode: Mode, step: Step): Promise<{ dir: string; g0: string }> {
  const root = mkdtempSync(join(tmpdir(), 'rs-maint-'));
  roots.push(root);
  const dir = join(root, 'b');
  const files = resolvedFiles(planBundleFiles(state(mode), { caCertPem: 'CA\n', caKeyPem: 'CAKEY\n', certPem: 'C\n', keyPem: 'K\n', htpasswd: 'a:$2y$05$x\n' }));
  const { generation: g0 } = await createBundle(dir, files, ctx());
  writeRecord(dir, { ...newRecord(mode, g0, new Date()), step });
  if (step !== 'begin') {
    const config = readOnlyConfig(readFileSync(join(dir, 'config.yml'), 'utf8'));
    const change = mode === 'proxy'
      ? [{ path: READONLY_CONFIG, contents: config, mode: PUBLIC }, { path: 'nginx/registry.conf', contents: pointUpstreamAt(readFileSync(join(dir, 'nginx/registry.conf'), 'utf8'), readonlyContainerName(dir)), mode: PUBLIC }]
      : [{ path: 'config.yml', contents: config, mode: PUBLIC }];
    await commitChange(dir, { files: change }, ctx());
  }
  return { dir, g0 };
}

/** The calls with this bundle's read-only container spelt RO. */
const named = (dir: string, calls: string[]) => calls.map((c) => c.replace(readonlyContainerName(dir), 'RO'));

describe('the read-only config and the nginx switch', () => {
  it('sets storage.maintenance.readonly and keeps every other key', () => {
    const normal = renderRegistryConfig('tls', 5443);
    const ro = parse(readOnlyConfig(normal)) as Record<string, any>;
    expect(ro.storage.maintenance).toEqual({ readonly: { enabled: true } });
    const { maintenance, ...storage } = ro.storage;
    expect({ ...ro, storage }).toEqual(parse(normal));
  });

  it('keeps a hand-edited storage (S3) and other maintenance keys', () => {
    const text = 'version: 0.1\nstorage:\n  s3: {bucket: b}\n  maintenance:\n    uploadpurging: {enabled: false}\nhttp: {addr: ":5000"}\n';
    expect(parse(readOnlyConfig(text)).storage).toEqual({ s3: { bucket: 'b' }, maintenance: { uploadpurging: { enabled: false }, readonly: { enabled: true } } });
  });

  it('moves only the upstream server line, and refuses a conf it cannot read', () => {
    const conf = renderNginx(state('proxy'));
    const switched = pointUpstreamAt(conf, 'ro-1');
    expect(switched).toContain('server ro-1:5000;');
    expect(switched.replace('ro-1:5000', 'registry:5000')).toBe(conf);
    expect(() => pointUpstreamAt(conf.replace('server registry:5000;', 'server 10.0.0.9:5000;'), 'ro-1')).toThrow(/no `server registry:5000;` upstream line .*nothing was changed/);
  });
});

describe('the way back from the read-only window', () => {
  // Each step as a kill leaves it, and what the way back must ask of the stack.
  const cases: [Mode, Step, string[]][] = [
    ['proxy', 'begin', []],
    ['proxy', 'switching', ['running? nginx', 'reload nginx drain', 'stop RO']],
    ['proxy', 'collecting', ['running? nginx', 'restart registry in place', 'wait nginx http://registry:5000/v2/', 'reload nginx drain', 'stop RO']],
    ['proxy', 'restarted', ['running? nginx', 'reload nginx drain', 'stop RO']],
    ['tls', 'begin', []],
    ['tls', 'switching', ['restart registry in place']],
    ['tls', 'collecting', ['restart registry in place']],
    ['insecure', 'collecting', ['restart registry in place']],
  ];
  it.each(cases)('%s, killed at %s', async (mode, step, calls) => {
    const { dir, g0 } = await inWindow(mode, step);
    const before = writtenHashes(dir, g0);
    const stack = fakeStack({ dir });
    leaveMaintenance(dir, readRecord(dir)!, stack);
    expect(named(dir, stack.calls)).toEqual(calls);
    // The generation gc replaced is current again, with the hashes it was written with; the window's one is gone.
    expect(currentGeneration(dir)).toBe(g0);
    expect(writtenHashes(dir, g0)).toEqual(before);
    expect(readdirSync(join(dir, '.gen')).sort()).toEqual(['current', g0]);
    expect(existsSync(join(dir, MAINTENANCE_FILE))).toBe(false);
    expect(() => lstatSync(join(dir, 'maintenance'))).toThrow(); // no dangling link to the window's files
    expect(readFileSync(join(dir, 'config.yml'), 'utf8')).not.toContain('readonly');
  });

  it('a compose file without the entry shell (written by an earlier release) restarts the container instead', async () => {
    const { dir } = await inWindow('tls', 'collecting');
    const compose = readFileSync(join(dir, 'docker-compose.yml'), 'utf8');
    const old = compose.replace(/    entrypoint:.*\n(      .*\n|        .*\n)+/, '');
    expect(old).not.toBe(compose);
    await commitChange(dir, { files: [{ path: 'docker-compose.yml', contents: old, mode: PUBLIC }] }, ctx());
    const stack = fakeStack({ dir });
    leaveMaintenance(dir, { ...readRecord(dir)!, returnTo: currentGeneration(dir)! }, stack);
    expect(stack.calls).toEqual(['restart registry']);
  });

  it('proxy: the registry restarts while nginx still sends everything to the read-only instance', async () => {
    const { dir } = await inWindow('proxy', 'collecting');
    const stack = fakeStack({ dir });
    leaveMaintenance(dir, readRecord(dir)!, stack);
    expect(stack.calls.indexOf('restart registry in place')).toBeLessThan(stack.calls.indexOf('reload nginx drain'));
    expect(stack.calls.indexOf('reload nginx drain')).toBeLessThan(stack.calls.length - 1);
  });

  it('the read-only instance is one container per bundle directory, a DNS name nginx can resolve', () => {
    const a = readonlyContainerName('/srv/a');
    expect(a).toMatch(/^registry-setup-readonly-[0-9a-f]{10}$/);
    expect(readonlyContainerName('/srv/b')).not.toBe(a);
  });

  it('a failed step keeps the record, at the step reached, for the next command to resume', async () => {
    const { dir, g0 } = await inWindow('proxy', 'collecting');
    const stack = fakeStack({ dir, fail: ['reload nginx drain'] });
    expect(() => leaveMaintenance(dir, readRecord(dir)!, stack)).toThrow(/no such service/);
    expect(readRecord(dir)!.step).toBe('restarted'); // the restart is done: a retry does not repeat it
    expect(currentGeneration(dir)).toBe(g0);
    const retry = fakeStack({ dir });
    expect(restoreInterruptedMaintenance(dir, retry)).toMatch(/^undid an interrupted gc's read-only window: the normal config was current already, nginx reloaded onto it, the read-only instance removed$/);
    expect(named(dir, retry.calls)).toEqual(['running? nginx', 'reload nginx drain', 'stop RO']);
    expect(readRecord(dir)).toBeNull();
  });

  it('the sweep says what it undid, or that undoing failed and will be tried again', async () => {
    const { dir, g0 } = await inWindow('tls', 'collecting');
    expect(restoreInterruptedMaintenance(dir, fakeStack({ dir, fail: ['restart registry in place'] })))
      .toMatch(/^an interrupted gc left the registry read-only, and undoing it failed \(.*restart registry in place failed \(no such service\)\); the next registry-setup command tries again$/);
    expect(restoreInterruptedMaintenance(dir, fakeStack({ dir }))).toBe(`undid an interrupted gc's read-only window: the normal config was current already, the registry restarted`);
    expect(currentGeneration(dir)).toBe(g0);
    expect(restoreInterruptedMaintenance(dir, fakeStack({ dir }))).toBeNull();
  });
});
