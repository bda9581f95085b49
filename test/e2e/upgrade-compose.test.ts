import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCompose } from '../../src/bundle/plan-files.js';
import { renderState } from '../../src/bundle/state.js';
import { readBundleState } from '../../src/bundle/read-state.js';
import { commitChange } from '../../src/io/bundle-writer.js';
import { PUBLIC } from '../../src/io/file-plan.js';
import { runCli, runCliJson, treeHash } from './support/cli.js';
import { startEngine, type Engine } from './support/engine.js';
import { IMAGES, USER, buildImages, type Images } from './support/gc-fixture.js';
import { bundleRegistry } from './support/bundle-registry.js';
import { freePort, waitForPort } from './support/net.js';
import { canRunPeers } from './support/require-peers.js';

/**
 * Issue 9's proof 5: a bundle that pins registry:3.0.0 (written by registry-setup's own
 * writer, so its hashes are recorded) is upgraded under real compose; the guard refuses
 * a hand edit; status names the CVEs of the old pin.
 */
const PEERS = ['dockerd', 'docker', 'docker-compose', 'skopeo', 'openssl', 'xz', 'busybox'];
const OLD = 'registry:3.0.0';
const root = mkdtempSync(join(tmpdir(), 'rs-upgrade-'));
let engine: Engine;
let images: Images;
let n = 0;

/** init, then the record and the compose file moved back to the old pin, as one generation. */
async function oldBundle(mode: 'tls' | 'proxy'): Promise<{ dir: string; port: number }> {
  const port = await freePort();
  const dir = join(root, `${mode}-${++n}`);
  mkdirSync(dir);
  const init = await runCli(['init', '--dir', dir, '--mode', mode, '--host', '127.0.0.1', '--port', String(port), '--user', USER.username, '--password-stdin'], { input: `${USER.password}\n` });
  expect(init.exitCode, init.stderr).toBe(0);
  const state = { ...readBundleState(dir), image: OLD };
  await commitChange(dir, { files: [
    { path: 'registry-setup.yml', contents: renderState(state), mode: PUBLIC },
    { path: 'docker-compose.yml', contents: renderCompose(state), mode: PUBLIC },
  ] }, { now: new Date(), random: (k) => randomBytes(k) });
  return { dir, port };
}

const runningImage = async (dir: string) => engine.docker(['inspect', '-f', '{{.Config.Image}}', (await engine.compose(dir, ['ps', '-q', 'registry'])).stdout.trim()]);

describe.skipIf(!canRunPeers(PEERS))('upgrade, under docker compose, for real', () => {
  beforeAll(async () => {
    images = await buildImages(root);
    engine = await startEngine(IMAGES, '10.183.0.0/16');
    await engine.docker(['tag', IMAGES.registry, OLD]); // the old pin, here the same program under the old tag
  }, 180_000);
  afterAll(async () => {
    await engine?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('status names the CVEs of the old pin, and what to run', async () => {
    const { dir } = await oldBundle('tls');
    const r = await runCli(['status', '--dir', dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('registry:3.0.0 is older than registry:3.1.1, which fixes CVE-2026-35172 and CVE-2026-33540 (fixed in 3.1.0), CVE-2026-41888 (fixed in 3.1.1): run registry-setup upgrade --reload');
    const j = await runCliJson<{ image: { outdated: boolean; cves: { id: string }[] } }>(['status', '--dir', dir]);
    expect(j.json.image.cves.map((c) => c.id)).toEqual(['CVE-2026-35172', 'CVE-2026-33540', 'CVE-2026-41888']);
  });

  it('upgrade --reload moves a running proxy bundle to the pin, as one commit; offline, the images already here do', async () => {
    const { dir, port } = await oldBundle('proxy');
    expect((await engine.compose(dir, ['up', '-d'])).exitCode).toBe(0);
    await waitForPort('127.0.0.1', port, 20_000);
    const reg = bundleRegistry(dir, port, USER, root);
    expect((await reg.push(images.layout, 'keep', 'demo/keep')).exitCode).toBe(0);
    expect(await runningImage(dir)).toBe(OLD);
    const before = readlinkSync(join(dir, '.gen/current'));

    const dry = await runCli(['upgrade', '--dir', dir, '--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/docker-compose\.yml +\+1 -1 +replaced\n +- +image: registry:3\.0\.0\n +\+ +image: registry:3\.1\.1/);
    expect(readlinkSync(join(dir, '.gen/current'))).toBe(before);

    const r = await runCli(['upgrade', '--dir', dir, '--reload'], { env: engine.env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/docker compose pull failed .*registry:3\.1\.1 and nginx:1\.27-alpine are already here/);
    expect(r.stdout).toContain(`The previous files are kept as .gen/${before}/`);
    expect(readFileSync(join(dir, '.gen', before, 'docker-compose.yml'), 'utf8')).toContain(`image: ${OLD}`);
    expect(readFileSync(join(dir, 'docker-compose.yml'), 'utf8')).toContain('image: registry:3.1.1');
    expect(await runningImage(dir)).toBe(IMAGES.registry);
    await waitForPort('127.0.0.1', port, 20_000);
    expect((await reg.push(images.layout, 'keep', 'demo/after-upgrade')).exitCode).toBe(0);
    expect((await runCli(['status', '--dir', dir])).exitCode).toBe(0);
    expect((await runCli(['upgrade', '--dir', dir])).stdout).toMatch(/^✔ Already current/);
    await engine.compose(dir, ['down']);
  });

  it('refuses a compose file edited by hand, showing the change, unless --force; the backup keeps the edit', async () => {
    const { dir } = await oldBundle('tls');
    appendFileSync(join(dir, 'docker-compose.yml'), '# my own change\n');
    const before = treeHash(dir);
    const r = await runCli(['upgrade', '--dir', dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/warning: docker-compose\.yml was edited by hand since registry-setup wrote it[^\n]*\n +- +image: registry:3\.0\.0\n +\+ +image: registry:3\.1\.1\n +- # my own change\n/);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^registry-setup: docker-compose\.yml was edited by hand .*nothing was changed\. Pass --force/);
    expect(treeHash(dir), 'nothing changed').toBe(before);

    const g = readlinkSync(join(dir, '.gen/current'));
    const forced = await runCli(['upgrade', '--dir', dir, '--force']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/docker-compose\.yml +\+1 -2 +edited by hand since registry-setup wrote it: replaced \(--force\)/);
    expect(readFileSync(join(dir, '.gen', g, 'docker-compose.yml'), 'utf8')).toContain('# my own change');
    expect(readFileSync(join(dir, 'docker-compose.yml'), 'utf8')).not.toContain('# my own change');
  });

  it('a bundle from before hashes were recorded is upgraded without --force, saying what changed', async () => {
    const { dir } = await oldBundle('tls');
    rmSync(join(dir, '.gen/current/.written'));
    appendFileSync(join(dir, 'docker-compose.yml'), '# nobody can tell who wrote this\n');
    const r = await runCli(['upgrade', '--dir', dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/docker-compose\.yml +\+1 -2 +replaced \(no hash was recorded: a bundle from before\)\n +- +image: registry:3\.0\.0/);
    expect(readFileSync(join(dir, 'docker-compose.yml'), 'utf8')).toBe(renderCompose({ ...readBundleState(dir) }));
  });
});
