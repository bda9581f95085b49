import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './support/cli.js';
import { buildImage, tagLayout } from './support/oci-index.js';
import { PASSWORD, startRegistryFixture, USER, type RegistryFixture } from './support/registry-fixture.js';
import { canRunPeers } from './support/require-peers.js';
import { startTerminal, type Terminal } from './support/tmux.js';

/**
 * Issue 9, proof 6, against registry 3.1.1 serving the bundle's htpasswd: every
 * credential source works (stdin, the Docker config's auths entry in both
 * spellings, a credential helper named by credHelpers or credsStore, a hidden
 * prompt on a terminal), a wrong password is one line, none at all is exit 2
 * naming --password-stdin, and the password is never in our argv or any output.
 */
const PEERS = ['docker-registry', 'skopeo', 'unshare', 'setpriv', 'xz', 'tmux'];
const root = mkdtempSync(join(tmpdir(), 'rs-creds-'));
const bin = join(root, 'bin');
const helperLog = join(root, 'helper');
let reg: RegistryFixture;
const outputs: string[] = [];

/** The CLI with only this Docker config (and our fake helper on PATH); every output is kept for the leak check. */
async function images(dockerConfig: object | null, extra: string[] = [], input = '') {
  const dir = mkdtempSync(join(root, 'docker-'));
  if (dockerConfig) writeFileSync(join(dir, 'config.json'), JSON.stringify(dockerConfig));
  const r = await runCli(['images', '--dir', reg.bundle, ...extra], { input, env: { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH}` } });
  outputs.push(r.stdout, r.stderr);
  return r;
}
const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeAll(async () => {
  if (!canRunPeers(PEERS)) return;
  reg = await startRegistryFixture(root, 'bundle', 3);
  const layout = join(root, 'layout');
  await tagLayout(layout, 'one', await buildImage(layout, { payloads: ['creds'], created: '2026-01-01T00:00:00Z' }));
  await reg.push(layout, 'one', 'app:v1');
  await reg.push(layout, 'one', 'app:gone');
  // A credential helper as docker's protocol has it: the address on stdin, JSON on stdout.
  mkdirSync(bin);
  writeFileSync(join(root, 'answer.json'), JSON.stringify({ ServerURL: reg.address, Username: USER, Secret: PASSWORD }));
  writeFileSync(join(bin, 'docker-credential-rstest'), `#!/bin/sh
addr=$(cat)
printf '%s' "$*" > '${helperLog}.argv'; printf '%s' "$addr" > '${helperLog}.stdin'
if [ "$1" = get ] && [ "$addr" = '${reg.address}' ]; then cat '${join(root, 'answer.json')}'; else echo 'credentials not found in native keychain'; exit 1; fi
`);
  chmodSync(join(bin, 'docker-credential-rstest'), 0o755);
});
afterAll(async () => {
  await reg?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!canRunPeers(PEERS))('credentials, against registry 3.1.1', () => {
  it('--user with --password-stdin', async () => {
    const r = await images(null, ['--user', USER, '--password-stdin', '--json'], `${PASSWORD}\n`);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).repositories[0].name).toBe('app');
  });

  it('the Docker config auths entry: base64 auth, or username and password, under either key spelling', async () => {
    expect((await images({ auths: { [reg.address]: { auth: b64(`${USER}:${PASSWORD}`) } } })).exitCode).toBe(0);
    expect((await images({ auths: { [`https://${reg.address}/v1/`]: { username: USER, password: PASSWORD } } })).exitCode).toBe(0);
  });

  it('a credential helper named by credHelpers, or by credsStore; the secret never in its argv', async () => {
    const viaHelpers = await images({ credHelpers: { [reg.address]: 'rstest' } });
    expect(viaHelpers.stderr).toBe('');
    expect(viaHelpers.exitCode).toBe(0);
    expect(readFileSync(`${helperLog}.argv`, 'utf8')).toBe('get');
    expect(readFileSync(`${helperLog}.stdin`, 'utf8')).toBe(reg.address);
    rmSync(`${helperLog}.argv`);
    expect((await images({ credsStore: 'rstest' })).exitCode).toBe(0);
    expect(readFileSync(`${helperLog}.argv`, 'utf8')).toBe('get');
  });

  it('a credsStore helper that is not installed falls back to the inline auths entry, as docker does', async () => {
    expect((await images({ credsStore: 'desktop', auths: { [reg.address]: { auth: b64(`${USER}:${PASSWORD}`) } } })).exitCode).toBe(0);
  });

  it('a wrong password is one line naming the user and where the password came from', async () => {
    const stdin = await images(null, ['--user', USER, '--password-stdin'], 'not-the-password');
    expect(stdin.exitCode).toBe(1);
    expect(stdin.stderr).toBe(`registry-setup: ${reg.address} refused user alice (from --password-stdin): wrong password or unknown user (UNAUTHORIZED: authentication required)`);
    const config = await images({ auths: { [reg.address]: { auth: b64(`${USER}:wrong`) } } });
    expect(config.exitCode).toBe(1);
    expect(config.stderr).toMatch(new RegExp(`^registry-setup: ${reg.address} refused user alice \\(from .*/config\\.json \\(auths "${reg.address}"\\)\\): wrong password or unknown user`));
    expect(config.stderr.split('\n')).toHaveLength(1);
  });

  it('no credentials anywhere and no terminal: exit 2, naming --password-stdin and what was tried', async () => {
    const r = await images({ credsStore: 'desktop' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(`registry-setup: ${reg.address} wants a user and password and none was found (docker-credential-desktop is not installed): pass --user NAME --password-stdin, or docker login ${reg.address}`);
  });

  it('the password is never in our argv while we run, nor in any output', async () => {
    const child = spawn(process.execPath, [CLI, 'images', '--dir', reg.bundle, '--user', USER, '--password-stdin', '--json'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    // It is waiting on stdin for the password now: look at what the system shows of it.
    await new Promise((r) => setTimeout(r, 800));
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
    expect(cmdline.split('\0')).toContain('--password-stdin');
    // And after it has read the password, until it exits: sample what ps would show.
    const samples: string[] = [];
    let exited = false;
    const exit = new Promise((r) => child.on('exit', (c) => r(((exited = true), c))));
    child.stdin.end(PASSWORD);
    while (!exited) {
      try {
        samples.push(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8'));
      } catch {
        break; // gone
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(await exit).toBe(0);
    expect(samples.length).toBeGreaterThan(10);
    for (const s of [cmdline, ...samples]) expect(s).not.toContain(PASSWORD);
    outputs.push(out);
    for (const o of outputs) expect(o).not.toContain(PASSWORD);
    expect(outputs.join('')).not.toContain(b64(`${USER}:${PASSWORD}`));
  });

  describe('on a terminal', () => {
    let term: Terminal | undefined;
    afterEach(() => term?.kill());
    const run = (args: string[]) => {
      const empty = mkdtempSync(join(root, 'docker-'));
      term = startTerminal(`rs-creds-${process.pid}`, [process.execPath, CLI, ...args, '--dir', reg.bundle], { NO_COLOR: '1', DOCKER_CONFIG: empty }, join(empty, 'exit'));
      return term;
    };

    it('asks for the user and a hidden password', async () => {
      const t = run(['images']);
      await t.waitFor(`Username for ${reg.address}`);
      t.type(USER, 'Enter');
      await t.waitFor(`Password for alice at ${reg.address}`);
      t.type('-l', PASSWORD);
      t.type('Enter');
      const screen = await t.waitFor('1 repository, 2 tags');
      expect(await t.exitCode()).toBe(0);
      expect(screen).not.toContain(PASSWORD);
    });

    it('rm asks before deleting; the default answer deletes nothing', async () => {
      const t = run(['rm', 'app:gone', '--user', USER]);
      await t.waitFor(`Password for alice at ${reg.address}`);
      t.type('-l', PASSWORD);
      t.type('Enter');
      await t.waitFor(`Delete this from ${reg.address}?`);
      t.type('Enter'); // "no" is the default
      expect(await t.exitCode()).toBe(130);
      t.kill();
      const again = run(['rm', 'app:gone', '--user', USER]);
      await again.waitFor('Password for alice');
      again.type('-l', PASSWORD);
      again.type('Enter');
      await again.waitFor(`Delete this from ${reg.address}?`);
      again.type('Down', 'Enter');
      await again.waitFor('✔ untag   app:gone');
      expect(await again.exitCode()).toBe(0);
    });
  });
});

describe.skipIf(!canRunPeers(PEERS))('an insecure bundle, against registry 2.8.2', () => {
  let insecure: RegistryFixture;
  beforeAll(async () => {
    insecure = await startRegistryFixture(root, 'insecure', 2, 'insecure');
    const layout = join(root, 'layout-insecure');
    await tagLayout(layout, 'one', await buildImage(layout, { payloads: ['plain'], created: '2026-01-01T00:00:00Z' }));
    await insecure.push(layout, 'one', 'plain:v1');
  });
  afterAll(() => insecure?.stop());

  it('needs no credentials: none are looked for, none asked', async () => {
    const r = await runCli(['images', '--dir', insecure.bundle, '--json'], { env: { DOCKER_CONFIG: mkdtempSync(join(root, 'docker-')) } });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ registry: insecure.address, repositories: [{ name: 'plain', tags: [{ tag: 'v1' }] }] });
  });
});
