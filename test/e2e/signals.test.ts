import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, treeHash } from './support/cli.js';
import { canRunPeers } from './support/require-peers.js';

/**
 * Ctrl-C and SIGTERM before the commit: exit 130 / 143 and nothing changed, even in
 * the middle of a slow bcrypt (cost 14 takes about a second: if it ran in one
 * synchronous piece the signal would wait for it, the command would commit, and the
 * handler would then ignore the signal). After the commit: ignored, exit 0.
 */
const PEERS = ['sh', 'sleep', 'cp'];
const SLOW = ['--bcrypt-cost', '14'];
const CODES = { SIGINT: 130, SIGTERM: 143 } as const;
let work: string;
let slowBundle: string;

interface Outcome {
  code: number | null;
  signal: string | null;
  stderr: string;
}

/** Starts argv (stdin given, then closed), collecting stderr; `done` settles when it exits. */
function start(argv: string[], input = '', env: Record<string, string> = {}): { child: ChildProcess; stderr: () => string; done: Promise<Outcome> } {
  const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin!.end(input);
  const done = new Promise<Outcome>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stderr })));
  return { child, stderr: () => stderr, done };
}

async function until(what: string, ready: () => boolean, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; !ready(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

/** Names in a directory: a staging dir or a lock left beside or in a bundle shows up here. */
const listing = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

describe.skipIf(!canRunPeers(PEERS))('signals: cancelled before the commit, ignored after it', () => {
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'signals-'));
    slowBundle = path.join(work, 'slow');
    const r = await runCli(['init', '--dir', slowBundle, '--yes', '--host', '127.0.0.1', ...SLOW]);
    expect(r.exitCode, r.stderr).toBe(0);
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('init: %s while keys and hashes are made -> cancelled, nothing written', async (signal) => {
    const parent = path.join(work, `init-${signal}`);
    await mkdir(parent);
    const dir = path.join(parent, 'registry');
    const run = start([process.execPath, CLI, 'init', '--dir', dir, '--yes', '--host', '127.0.0.1', ...SLOW]);
    await until('the progress line', () => run.stderr().includes('generating keys and certificates'));
    // Past the key generation (ECDSA: milliseconds), well inside the seconds of bcrypt.
    await new Promise((r) => setTimeout(r, 400));
    run.child.kill(signal);
    const out = await run.done;
    expect(out.code, out.stderr).toBe(CODES[signal]);
    expect(out.stderr).toMatch(new RegExp(`cancelled \\(${signal}\\)`));
    expect(existsSync(dir)).toBe(false);
    expect(listing(parent), 'a staging dir left beside the bundle').toEqual([]);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('user add: %s while hashing -> cancelled, the bundle unchanged, no lock left', async (signal) => {
    const dir = path.join(work, `user-${signal}`);
    await execa('cp', ['-a', slowBundle, dir]);
    const before = treeHash(dir);
    const beside = listing(work);
    const run = start([process.execPath, CLI, 'user', 'add', 'bob', '--dir', dir, '--password-stdin'], 'a password\n');
    // The lock appears (the sweep's for a moment, then the edit's, which hashes under it);
    // 400 ms on, stdin long read, the hash is running: cost 14 takes seconds.
    await until('the bundle lock', () => existsSync(path.join(dir, '.lock')));
    await new Promise((r) => setTimeout(r, 400));
    run.child.kill(signal);
    const out = await run.done;
    expect(out.code, out.stderr).toBe(CODES[signal]);
    expect(treeHash(dir), 'the bundle changed').toBe(before);
    expect(listing(work)).toEqual(beside);
    expect(readFileSync(path.join(dir, 'auth/htpasswd'), 'utf8')).not.toMatch(/^bob:/m);
  });

  it('renew --reload: SIGTERM after the commit, during the reload -> ignored, exit 0, the reload runs to its end', async () => {
    // Today a command's only asynchronous step after its commit is the reload, so this is the
    // one window where the handler runs after a commit (elsewhere the process exits first):
    // it must see the commit and let the command finish.
    const dir = path.join(work, 'after-commit');
    await execa('cp', ['-a', slowBundle, dir]);
    const crt = readFileSync(path.join(dir, 'certs/registry.crt'));
    const bin = await mkdtemp(path.join(work, 'bin-'));
    const log = path.join(bin, 'log');
    await writeFile(path.join(bin, 'docker'), `#!/bin/sh\necho "start $*" >> ${log}\nsleep 2\necho done >> ${log}\n`, { mode: 0o755 });
    const run = start([process.execPath, CLI, 'renew', '--force', '--reload', '--dir', dir], '', { PATH: `${bin}:${process.env.PATH}` });
    await until('the reload', () => existsSync(log));
    run.child.kill('SIGTERM');
    const out = await run.done;
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).not.toMatch(/cancelled/);
    expect(readFileSync(log, 'utf8')).toBe('start compose top registry\ndone\nstart compose kill -s HUP registry\ndone\nstart compose top registry\ndone\n');
    expect(readFileSync(path.join(dir, 'certs/registry.crt'))).not.toEqual(crt);
    expect(existsSync(path.join(dir, '.lock')), 'a lock left').toBe(false);
  });
});
