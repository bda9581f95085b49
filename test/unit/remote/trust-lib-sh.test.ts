import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readScriptAsset } from '../../../src/remote/script-assets.js';

/**
 * The remote library's file logic, run unprivileged against a temp dir (every function
 * takes its paths as arguments; only RS_DB is pointed elsewhere), under each sh here.
 */
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const SHELLS: Array<[string, string[]]> = [
  ['sh', ['sh']],
  ['bash --posix', ['bash', '--posix']],
  ...(has('busybox') ? [['busybox sh', ['busybox', 'sh']] as [string, string[]]] : []),
];
const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const LIB = `${readScriptAsset('trust-lib.sh')}\n${readScriptAsset('daemon-lib.sh')}\n${readScriptAsset('login-lib.sh')}\n${readScriptAsset('undo-lib.sh')}`;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rs-lib-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function run(shell: string[], body: string, env: Record<string, string> = {}): { stdout: string; stderr: string; status: number | null } {
  // RS_ROOT empty: these tests name real temp paths themselves (script-run-*.test.ts use the prefix).
  const script = `set -euf\numask 022\nRS_ROOT=\n${LIB}\nRS_DB=${root}/db\nRS_STAMP=20260102T030405Z\n${body}\n`;
  const [cmd, ...args] = shell;
  const r = spawnSync(cmd!, [...args, '-s'], { input: script, encoding: 'utf8', env: { ...process.env, T: root, CA, ...env } });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** path → [mode, contents] of everything under root except the record dir. */
function snapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (p === join(root, 'db')) continue;
      const mode = (statSync(p).mode & 0o777).toString(8);
      out[relative(root, p)] = e.isDirectory() ? `dir ${mode}` : `${mode} ${readFileSync(p, 'utf8')}`;
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

describe.each(SHELLS)('the remote library under %s', (_name, shell) => {
  it('reads a file exactly, with or without a final newline', () => {
    for (const text of ['a\n b \\n\\\n\n', 'no newline at the end', '', '\n', '  lead\ttab\n']) {
      writeFileSync(join(root, 'f'), text);
      const r = run(shell, 'rs_read "$T/f"; printf "%s" "$RS_R"');
      expect(r.stdout).toBe(text);
    }
  });

  it('creates a file with its dirs (0644/0755), records them, and does nothing the second time', () => {
    const put = 'rs_open A; rs_put "$T/etc/docker/certs.d/A/ca.crt" "$CA"';
    mkdirSync(join(root, 'etc'));
    const first = run(shell, put);
    expect(first).toMatchObject({ status: 0, stdout: `@@rs change wrote ${root}/etc/docker/certs.d/A/ca.crt\n` });
    expect(snapshot()).toEqual({
      etc: 'dir 755',
      'etc/docker': 'dir 755',
      'etc/docker/certs.d': 'dir 755',
      'etc/docker/certs.d/A': 'dir 755',
      'etc/docker/certs.d/A/ca.crt': `644 ${CA}`,
    });
    expect(readFileSync(join(root, 'db/A.list'), 'utf8')).toBe(
      [`dir ${root}/etc/docker`, `dir ${root}/etc/docker/certs.d`, `dir ${root}/etc/docker/certs.d/A`, `file ${root}/etc/docker/certs.d/A/ca.crt`, ''].join('\n'),
    );
    const ino = statSync(join(root, 'etc/docker/certs.d/A/ca.crt')).ino;
    expect(run(shell, put)).toMatchObject({ status: 0, stdout: '' });
    expect(statSync(join(root, 'etc/docker/certs.d/A/ca.crt')).ino).toBe(ino);
  });

  it('backs up a different file it replaces, and undo puts it back', () => {
    mkdirSync(join(root, 'certs.d/A'), { recursive: true });
    writeFileSync(join(root, 'certs.d/A/ca.crt'), 'old CA\n', { mode: 0o600 });
    const before = snapshot();
    expect(run(shell, 'rs_open A; rs_put "$T/certs.d/A/ca.crt" "$CA"').status).toBe(0);
    expect(readFileSync(join(root, 'certs.d/A/ca.crt.bak-20260102T030405Z'), 'utf8')).toBe('old CA\n');
    // A second CA later (rollover): the backup stays the original, not our first CA.
    expect(run(shell, 'rs_open A; rs_put "$T/certs.d/A/ca.crt" "new$CA"').status).toBe(0);
    expect(readFileSync(join(root, 'certs.d/A/ca.crt.bak-20260102T030405Z'), 'utf8')).toBe('old CA\n');
    const undo = run(shell, 'rs_undo A');
    expect(undo.stdout).toContain(`@@rs change restored ${root}/certs.d/A/ca.crt`);
    expect(snapshot()).toEqual(before);
  });

  it('undoes several addresses: files first, then only the dirs it made, then its records', () => {
    mkdirSync(join(root, 'etc/docker'), { recursive: true });
    writeFileSync(join(root, 'etc/docker/key.json'), '{}');
    const before = snapshot();
    const trust = 'for a in A B; do rs_open $a; rs_put "$T/etc/docker/certs.d/$a/ca.crt" "$CA"; rs_put "$T/etc/containerd/certs.d/$a/hosts.toml" x; done';
    expect(run(shell, trust).status).toBe(0);
    // Someone else's file inside a dir we made: that dir must stay.
    writeFileSync(join(root, 'etc/containerd/certs.d/theirs'), 'keep');
    const undo = run(shell, 'rs_undo A B');
    expect(undo.status).toBe(0);
    expect(snapshot()).toEqual({ ...before, 'etc/containerd': 'dir 755', 'etc/containerd/certs.d': 'dir 755', 'etc/containerd/certs.d/theirs': '644 keep' });
    expect(readdirSync(root)).not.toContain('db');
    expect(run(shell, 'rs_undo A B')).toMatchObject({ status: 0, stdout: '' });
  });

  it('undoes only the addresses it is given', () => {
    expect(run(shell, 'for a in A B; do rs_open $a; rs_put "$T/d/$a/ca.crt" "$CA"; done').status).toBe(0);
    expect(run(shell, 'rs_undo B').status).toBe(0);
    expect(readFileSync(join(root, 'd/A/ca.crt'), 'utf8')).toBe(CA);
    expect(readdirSync(join(root, 'd'))).toEqual(['A']);
  });

  it('keeps the mode of a file it rewrites, and gives a new one 0644', () => {
    writeFileSync(join(root, 'hosts'), 'old\n', { mode: 0o755 });
    expect(run(shell, 'rs_write "$T/hosts" "new$RS_NL"; rs_write "$T/fresh" x').status).toBe(0);
    expect(snapshot()).toEqual({ hosts: '755 new\n', fresh: '644 x' });
  });

  it('reports state without changing anything', () => {
    mkdirSync(join(root, 'x'));
    writeFileSync(join(root, 'x/same'), CA);
    writeFileSync(join(root, 'x/other'), 'nope');
    const before = snapshot();
    const r = run(shell, 'rs_check "$T/x/same" "$CA"; rs_check "$T/x/other" "$CA"; rs_check "$T/x/none" "$CA"');
    expect(r.stdout).toBe(`@@rs state ok ${root}/x/same\n@@rs state differs ${root}/x/other\n@@rs state missing ${root}/x/none\n`);
    expect(snapshot()).toEqual(before);
  });

  it('fails a host, naming the path, when a directory stands where the file goes', () => {
    mkdirSync(join(root, 'x/ca.crt'), { recursive: true });
    const r = run(shell, 'rs_open A; rs_put "$T/x/ca.crt" "$CA"; echo not reached');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(`@@rs error ${root}/x/ca.crt exists but is not a regular file\n`);
  });

  it('picks runtimes from what is installed: containerd beside dockerd is only docker\'s engine', () => {
    const bin = join(root, 'bin');
    mkdirSync(bin);
    const detect = (tools: string[]): string => {
      rmSync(bin, { recursive: true, force: true });
      mkdirSync(bin);
      for (const t of tools) writeFileSync(join(bin, t), '#!/bin/sh\n', { mode: 0o755 });
      return run(shell, 'PATH=$T/bin; rs_detect', {}).stdout;
    };
    expect(detect(['dockerd', 'containerd'])).toBe('@@rs runtimes docker \n');
    expect(detect(['dockerd', 'containerd', 'crictl'])).toBe('@@rs runtimes docker containerd \n');
    expect(detect(['containerd'])).toBe('@@rs runtimes containerd \n');
    expect(detect(['podman'])).toBe('@@rs runtimes podman \n');
    expect(detect(['crio', 'containerd', 'kubelet'])).toBe('@@rs runtimes containerd podman \n');
    expect(detect([])).toMatch(/^@@rs error no container runtime found/);
  });

  it('drops exactly one /etc/hosts line, keeping blank lines and the rest', () => {
    const body = (file: string) => `rs_read() { RS_R=$(cat "${file}"; printf x); RS_R=\${RS_R%x}; }; rs_write() { printf %s "$2" > "${file}"; }; rs_hosts_drop '10.0.0.5 reg.lan'`;
    const f = join(root, 'hosts');
    writeFileSync(f, '127.0.0.1 localhost\n\n10.0.0.5 reg.lan\n# end\n10.0.0.5 reg.lan\n');
    expect(run(shell, body(f)).status).toBe(0);
    expect(readFileSync(f, 'utf8')).toBe('127.0.0.1 localhost\n\n# end\n10.0.0.5 reg.lan\n');
  });
});
