import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RECORD_KINDS } from '../../../src/remote/script-contract.js';
import { parseTarget } from '../../../src/remote/ssh-target.js';
import { judgeHost } from '../../../src/remote/trust-result.js';
import type { TrustAction } from '../../../src/remote/trust-script.js';
import { CA, changes, dropNode, render, runScript, seed, seededNode, snapshot, stubCalls, SHELLS, type FakeNode } from './script-harness.js';

/**
 * The whole script as the CLI renders it (library, data, calls), run by each sh on a fake
 * node, judged by the same parser the CLI uses: what trust-node would report, and what the
 * node's files would be, for certs mode.
 */
const target = parseTarget('root@node1');
const A = '10.0.0.5:5000';
const B = 'reg.lan:5000';
const WROTE = [
  `wrote /etc/docker/certs.d/${A}/ca.crt`, `wrote /etc/containerd/certs.d/${A}/ca.crt`, `wrote /etc/containerd/certs.d/${A}/hosts.toml`,
  `wrote /etc/containers/certs.d/${A}/ca.crt`,
  `wrote /etc/docker/certs.d/${B}/ca.crt`, `wrote /etc/containerd/certs.d/${B}/ca.crt`, `wrote /etc/containerd/certs.d/${B}/hosts.toml`,
  `wrote /etc/containers/certs.d/${B}/ca.crt`,
];

let node: FakeNode;
beforeEach(() => {
  node = seededNode();
});
afterEach(() => dropNode(node));

describe.each(SHELLS)('the rendered certs-mode script under %s', (_name, shell) => {
  const run = async (action: TrustAction, over = {}) => {
    const r = await runScript(shell, render(node, { action, ...(action === 'untrust' && { caPem: null }), ...over }));
    // Nothing on stderr: a tool missing from the fake PATH or a shell quirk would show here first.
    expect(r.stderr).toBe('');
    return { ...r, judged: judgeHost(action, target, r, { timeoutMs: 60_000 }) };
  };

  it('writes the CA for docker, containerd and podman, records node paths, and changes nothing the second time', async () => {
    const first = await run('trust');
    expect(first.judged).toMatchObject({ result: 'changed', runtimes: ['docker', 'containerd', 'podman'], changes: WROTE });
    expect(first.judged.warnings).toEqual([expect.stringMatching(/^containerd reads \/etc\/containerd\/certs\.d only when config_path is set/)]);
    expect(first.stdout).not.toContain(node.root);
    const files = snapshot(node);
    for (const a of [A, B]) {
      for (const p of [`etc/docker/certs.d/${a}/ca.crt`, `etc/containerd/certs.d/${a}/ca.crt`, `etc/containers/certs.d/${a}/ca.crt`]) expect(files[p]).toBe(`644 ${CA}`);
      expect(files[`etc/containerd/certs.d/${a}/hosts.toml`]).toContain(`  ca = "/etc/containerd/certs.d/${a}/ca.crt"\n`);
    }
    // Records name the node's paths, never the prefix, with kinds the contract knows.
    const records = readFileSync(join(node.root, `var/lib/registry-setup/trust/${A}.list`), 'utf8');
    expect(records).not.toContain(node.root);
    expect(records.split('\n').filter(Boolean).map((l) => l.split(' ')[0])).toSatisfy((k: string[]) => k.every((x) => (RECORD_KINDS as readonly string[]).includes(x)));
    expect(records).toContain(`\ndir /etc/docker/certs.d/${A}\nfile /etc/docker/certs.d/${A}/ca.crt\n`);

    const second = await run('trust');
    expect(second.judged).toMatchObject({ result: 'unchanged', changes: [] });
    expect(changes(second)).toEqual([]);
    expect(snapshot(node)).toEqual(files);
  });

  it('--check says untrusted before and trusted after, and writes nothing', async () => {
    const before = snapshot(node);
    const no = await run('check');
    expect(no.judged.result).toBe('untrusted');
    expect(no.judged.states).toContainEqual({ state: 'missing', what: `/etc/docker/certs.d/${A}/ca.crt` });
    expect(snapshot(node)).toEqual(before);
    await run('trust');
    const after = snapshot(node);
    const yes = await run('check');
    expect(yes.judged.result).toBe('trusted');
    expect(yes.judged.states).toHaveLength(8);
    expect(snapshot(node)).toEqual(after);
  });

  it('untrust removes exactly what it added and restores what it replaced, byte for byte', async () => {
    seed(node, {
      [`etc/docker/certs.d/${A}/ca.crt`]: ['an older CA, and no newline at the end', 0o600],
      [`etc/containers/certs.d/${B}/ca.crt`]: 'someone else\'s CA\n\n',
    });
    const before = snapshot(node);
    expect((await run('trust')).judged.result).toBe('changed');
    expect(snapshot(node)[`etc/docker/certs.d/${A}/ca.crt`]).toBe(`600 ${CA}`);
    // Someone else's file inside a dir that trust made: that dir, and those above it, stay.
    seed(node, { [`etc/containerd/certs.d/${B}/theirs.crt`]: 'theirs' });

    const undo = await run('untrust');
    expect(undo.judged).toMatchObject({ result: 'changed' });
    expect(undo.judged.changes).toContain(`restored /etc/docker/certs.d/${A}/ca.crt`);
    expect(undo.judged.changes).toContain(`removed /etc/containerd/certs.d/${A}`);
    expect(undo.stdout).not.toContain(node.root);
    expect(snapshot(node)).toEqual({
      ...before,
      'etc/containerd': 'dir 755',
      'etc/containerd/certs.d': 'dir 755',
      [`etc/containerd/certs.d/${B}`]: 'dir 755',
      [`etc/containerd/certs.d/${B}/theirs.crt`]: '644 theirs',
    });
    expect((await run('untrust')).judged).toMatchObject({ result: 'unchanged', changes: [] });
  });

  it('adds the system CA and a hosts line, and untrust takes both back', async () => {
    seed(node, { 'etc/hosts': '127.0.0.1 localhost\n\n# keep me\n' });
    mkdirSync(join(node.root, 'usr/local/share/ca-certificates'), { recursive: true });
    const before = snapshot(node);
    const extras = { systemTrust: true, hostsEntryIp: '10.0.0.5', runtimes: ['docker'] };
    const first = await run('trust', extras);
    expect(first.judged.changes).toEqual([
      `wrote /etc/docker/certs.d/${A}/ca.crt`, `wrote /etc/docker/certs.d/${B}/ca.crt`,
      expect.stringMatching(/^wrote \/usr\/local\/share\/ca-certificates\/registry-setup-[0-9a-f]{16}\.crt$/),
      'refreshed the system CA store', 'added 10.0.0.5 reg.lan to /etc/hosts',
    ]);
    expect(readFileSync(join(node.root, 'etc/hosts'), 'utf8')).toBe('127.0.0.1 localhost\n\n# keep me\n10.0.0.5 reg.lan\n');
    expect((await run('trust', extras)).judged.changes).toEqual([]);
    expect((await run('check', extras)).judged.result).toBe('trusted');

    const undo = await run('untrust');
    expect(undo.judged.changes).toContain('removed the line 10.0.0.5 reg.lan from /etc/hosts');
    expect(snapshot(node)).toEqual(before);
    expect(stubCalls(node).filter((c) => c.startsWith('update-ca-certificates'))).toEqual(['update-ca-certificates ', 'update-ca-certificates --fresh']);
  });

  it('fails the host, naming the node path, when a directory stands where a file goes', async () => {
    mkdirSync(join(node.root, `etc/docker/certs.d/${A}/ca.crt`), { recursive: true });
    const r = await run('trust', { runtimes: ['docker'] });
    expect(r.judged).toMatchObject({ result: 'failed', error: `/etc/docker/certs.d/${A}/ca.crt exists but is not a regular file` });
  });
});
