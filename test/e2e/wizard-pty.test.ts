import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CLI } from './support/cli.js';
import { startTerminal, type Terminal } from './support/tmux.js';
import { canRunPeers } from './support/require-peers.js';

/** Issue 2, proof 3: the wizard in a real pseudo-terminal (tmux), answered keystroke by keystroke. */
const root = mkdtempSync(join(tmpdir(), 'rs-wizard-'));
const SESSION = `rs-wizard-${process.pid}`;
let term: Terminal | undefined;

const type = async (after: string | RegExp, ...keys: string[]) => {
  await term!.waitFor(after);
  term!.type(...keys);
};

function startWizard(dir: string, exitFile: string): void {
  term = startTerminal(SESSION, [process.execPath, CLI, 'init', '--dir', dir], { NO_COLOR: '1' }, exitFile, 120);
}

describe.skipIf(!canRunPeers(['tmux', 'htpasswd']))('the init wizard in a real terminal', () => {
  afterEach(() => term?.kill());
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('asks each open question, re-asks mismatched passwords, and writes what was answered', async () => {
    const dir = join(root, 'bundle');
    const exitFile = join(root, 'exit-ok');
    startWizard(dir, exitFile);
    await type('How should clients reach the registry?', 'Down', 'Enter'); // tls → proxy
    await type('Addresses and names clients will use', '10.0.0.5, registry.lan', 'Enter');
    await type('Port clients will use', 'BSpace', 'BSpace', 'BSpace', '8443', 'Enter');
    await type('How should users log in?', 'Enter'); // htpasswd, the default
    await type('Registry users', 'alice', 'Enter');
    await type('Password for alice', 'first-try', 'Enter');
    await type('Repeat the password for alice', 'different', 'Enter');
    await type('The two passwords differ; try again.', 's3cret pass', 'Enter');
    await type(/Repeat the password for alice[^\n]*\n[^]*Repeat the password for alice/, 's3cret pass', 'Enter');
    await type('Pull-through caches', 'docker.io', 'Enter');
    const final = await term!.waitFor('Next steps');
    expect(await term!.exitCode()).toBe(0);
    expect(final).not.toContain('s3cret pass'); // hidden input: neither the password nor its length shows
    expect(final).not.toContain('*****');
    const state = parse(readFileSync(join(dir, 'registry-setup.yml'), 'utf8'));
    expect(state).toMatchObject({ mode: 'proxy', hosts: ['10.0.0.5', 'registry.lan'], port: 8443, mirrors: [{ upstream: 'docker.io', port: 5010 }] });
    execFileSync('htpasswd', ['-vb', join(dir, 'auth/htpasswd'), 'alice', 's3cret pass'], { stdio: 'ignore' });
    expect(final).toContain(`docker login 10.0.0.5:8443 -u alice`);
  });

  it('Ctrl-C at a question exits 130 and writes nothing', async () => {
    const parent = mkdtempSync(join(root, 'cancel-'));
    const exitFile = join(root, 'exit-cancel');
    startWizard(join(parent, 'bundle'), exitFile);
    await type('How should clients reach the registry?', 'Enter');
    await type('Addresses and names clients will use', 'C-c');
    expect(await term!.exitCode()).toBe(130);
    expect(readdirSync(parent)).toEqual([]);
  });
});
