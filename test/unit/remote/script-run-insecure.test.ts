import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseTarget } from '../../../src/remote/ssh-target.js';
import { judgeHost } from '../../../src/remote/trust-result.js';
import type { TrustAction } from '../../../src/remote/trust-script.js';
import { changes, dropNode, listed, render, runScript, seed, seededNode, snapshot, startDockerd, stubCalls, SHELLS, type FakeNode } from './script-harness.js';

/**
 * The whole insecure-mode script on a fake node. dockerd is a pair of stubs: `systemctl reload
 * docker` re-reads the fake root's daemon.json and `docker info` reports what it read, so the
 * library's own reload-and-confirm code runs unchanged, against nothing real.
 */
const target = parseTarget('root@node1');
const A = '10.0.0.5:5000';
const B = 'reg.lan:5000';
const DJ = 'etc/docker/daemon.json';

let node: FakeNode;
beforeEach(() => {
  node = seededNode();
});
afterEach(() => dropNode(node));

describe.each(SHELLS)('the rendered insecure-mode script under %s', (_name, shell) => {
  const run = async (action: TrustAction, over = {}) => {
    const r = await runScript(shell, render(node, { action, mode: 'insecure', caPem: null, ...over }));
    // Nothing on stderr: a tool missing from the fake PATH or a shell quirk would show here first.
    expect(r.stderr).toBe('');
    return { ...r, judged: judgeHost(action, target, r, { timeoutMs: 60_000 }) };
  };

  it('creates daemon.json, reloads dockerd until it lists both, then untrust takes it all back', async () => {
    startDockerd(node);
    const before = snapshot(node);
    const first = await run('trust');
    expect(first.judged).toMatchObject({ result: 'changed' });
    expect(first.judged.changes).toEqual([
      `wrote /etc/containerd/certs.d/${A}/hosts.toml`, `wrote /etc/containers/registries.conf.d/registry-setup-${A}.conf`,
      `wrote /etc/containerd/certs.d/${B}/hosts.toml`, `wrote /etc/containers/registries.conf.d/registry-setup-${B}.conf`,
      `added ${A} ${B} to insecure-registries in /etc/docker/daemon.json`, 'reloaded dockerd',
    ]);
    expect(first.stdout).not.toContain(node.root);
    expect(readFileSync(join(node.root, DJ), 'utf8')).toBe(`{\n  "insecure-registries": ["${A}", "${B}"]\n}\n`);
    expect(listed(node)).toBe(`${A} ${B} `);
    expect(stubCalls(node)).toContain('systemctl reload docker');

    const again = await run('trust');
    expect([again.judged.result, changes(again)]).toEqual(['unchanged', []]);
    const check = await run('check');
    expect(check.judged.result).toBe('trusted');
    expect(check.judged.states).toContainEqual({ state: 'ok', what: `dockerd lists ${B}` });
    expect(check.judged.states).toContainEqual({ state: 'ok', what: `/etc/docker/daemon.json lists ${A}` });

    const undo = await run('untrust');
    expect(undo.judged.result).toBe('changed');
    expect(undo.judged.changes).toContain(`removed ${A} ${B} from insecure-registries in /etc/docker/daemon.json`);
    expect(undo.judged.changes).toContain('removed /etc/docker/daemon.json');
    expect(listed(node)).toBe('');
    expect(snapshot(node)).toEqual(before);
  });

  it('keeps the settings of an existing daemon.json, and untrust puts its bytes and mode back', async () => {
    startDockerd(node);
    seed(node, { [DJ]: ['{\n  "log-driver": "json-file",\n  "insecure-registries": ["old.lan:5000"]\n}', 0o600] });
    const before = snapshot(node);
    expect((await run('trust', { runtimes: ['docker'] })).judged.result).toBe('changed');
    expect(JSON.parse(readFileSync(join(node.root, DJ), 'utf8'))).toEqual({ 'log-driver': 'json-file', 'insecure-registries': ['old.lan:5000', A, B] });
    expect(snapshot(node)[DJ]).toMatch(/^600 /);
    expect(Object.keys(snapshot(node))).toContain(`${DJ}.bak-20260304T050607890Z`);
    expect((await run('untrust')).judged.result).toBe('changed');
    expect(snapshot(node)).toEqual(before);
  });

  it('adds the key to a daemon.json that had none, with no final newline, and undoes it byte for byte', async () => {
    startDockerd(node);
    seed(node, { [DJ]: '{"log-driver": "json-file"}' });
    const before = snapshot(node);
    expect((await run('trust', { runtimes: ['docker'] })).judged.result).toBe('changed');
    expect(JSON.parse(readFileSync(join(node.root, DJ), 'utf8'))).toEqual({ 'log-driver': 'json-file', 'insecure-registries': [A, B] });
    expect((await run('untrust')).judged.result).toBe('changed');
    expect(snapshot(node)).toEqual(before);
  });

  it('with dockerd down, edits the file without a reload, and catches the reload up once it runs', async () => {
    const first = await run('trust', { runtimes: ['docker'] });
    expect(first.judged).toMatchObject({ result: 'changed', warnings: ['dockerd is not running; it reads the change when it starts'] });
    expect(stubCalls(node).filter((c) => c.startsWith('systemctl reload'))).toEqual([]);
    expect((await run('trust', { runtimes: ['docker'] })).judged).toMatchObject({ result: 'unchanged', changes: [] });
    // Up now, but it never read the file: the next run reloads it, once.
    startDockerd(node);
    expect((await run('trust', { runtimes: ['docker'] })).judged.changes).toEqual(['reloaded dockerd']);
    expect(listed(node)).toBe(`${A} ${B} `);
    expect((await run('trust', { runtimes: ['docker'] })).judged.changes).toEqual([]);
  });

  it('with no docker CLI to confirm, edits the file and says so', async () => {
    rmSync(join(node.bin, 'docker'));
    const first = await run('trust', { runtimes: ['docker'] });
    expect(first.judged).toMatchObject({
      result: 'changed',
      changes: [`added ${A} ${B} to insecure-registries in /etc/docker/daemon.json`],
      warnings: ['no docker CLI on the node to confirm dockerd took the change'],
    });
    expect((await run('untrust')).judged.result).toBe('changed');
    expect(Object.keys(snapshot(node)).sort()).toEqual(['etc', 'etc/hostname', 'var', 'var/lib']);
  });
});
