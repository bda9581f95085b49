import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCompose } from '../../src/bundle/plan-files.js';
import { readBundleState } from '../../src/bundle/read-state.js';
import { renderState } from '../../src/bundle/state.js';
import { commitChange } from '../../src/io/bundle-writer.js';
import { PUBLIC } from '../../src/io/file-plan.js';
import { runCli } from './support/cli.js';
import { type ReaderView, type Role, changedRoles, checkPairs, readerView, roleFiles } from './support/reader-view.js';
import { RENAMES, type Kill, type TracedRun, isRename, listCalls, renamePaths, runTraced } from './support/strace.js';
import { canRunPeers } from './support/require-peers.js';
import { RGW_KEYS, startRgw, type Rgw } from './support/rgw.js';

/**
 * A command killed (SIGKILL, no handler runs) at any rename leaves what the
 * registry and nginx read wholly as before or wholly as after, and the next
 * command, whichever it is, removes what the killed one left and says so once.
 * Every rename N is hit twice: killed on entry (not done) and held by strace on its
 * way out, then killed (done), so the "after" side and a lock left by a committed run
 * are seen too. Plus the first fsync: mid-build, a half-written generation or staging.
 */
const PEERS = ['strace', 'openssl', 'htpasswd', 'radosgw', 'ceph-mon'];
/** Where startRgw's store answers (its default port): init --storage s3 checks the bucket there before writing. */
const RGW_ENDPOINT = 'http://127.0.0.1:17180';
let rgw: Rgw | undefined;
const ALL: Role[] = ['caCert', 'caKey', 'cert', 'compose', 'config', 'htpasswd', 'key', 'state'];
const TOKEN_ALL: Role[] = ['authConfig', 'caCert', 'caKey', 'cert', 'compose', 'config', 'key', 'state', 'tokenCert', 'tokenKey'];
/** The pin an `upgrade` base is moved back to: upgrade then changes the compose file and the record. */
const OLD_IMAGE = 'registry:3.0.0';
const PASSWORD = 'crash-test password';
let work: string;
const bases: Record<string, string> = {};
let n = 0;

interface Case {
  name: string;
  /** The "before" bundle to copy, or null: a fresh init into an absent dir. */
  base: 'tls' | 'proxy' | 'token' | 'old' | 'mirrors' | null;
  args: string[];
  input?: string;
  /** The roles the command changes: the rest of the reader view must stay as it was. */
  changes: Role[];
  /** A user the command adds (true) or removes (false), checked on both sides. */
  user?: [string, boolean];
  /** The command makes the node login: user and kept password appear together, or neither. */
  nodeLogin?: true;
  /** The "before" bundle is one status flags for action (exit 1): an old image pin. */
  beforeNeedsAction?: true;
}

const CASES: Case[] = [
  { name: 'init (fresh dir)', base: null, args: ['init', '--yes', '--host', '127.0.0.1'], changes: ALL },
  // The base uses another port, so config.yml and docker-compose.yml really differ after.
  { name: 'init --force', base: 'tls', args: ['init', '--force', '--yes', '--host', '127.0.0.1'], changes: ALL },
  { name: 'renew --force', base: 'tls', args: ['renew', '--force'], changes: ['cert', 'key'] },
  { name: 'renew --force (proxy: nginx reads the pair)', base: 'proxy', args: ['renew', '--force'], changes: ['cert', 'key'] },
  { name: 'user add', base: 'tls', args: ['user', 'add', 'bob', '--password-stdin'], input: `${PASSWORD}\n`, changes: ['htpasswd'], user: ['bob', true] },
  { name: 'user rm', base: 'tls', args: ['user', 'rm', 'carol'], changes: ['htpasswd'], user: ['carol', false] },
  // A new mirror service reads its own config (and, in tls mode, the pair: a new reader of it counts as a change).
  { name: 'mirror add (proxy: nginx gains a server)', base: 'proxy', args: ['mirror', 'add', 'docker.io'], changes: ['compose', 'config', 'env', 'nginx', 'state'] },
  { name: 'mirror add --credentials-stdin (the .env store)', base: 'tls', args: ['mirror', 'add', 'ghcr.io', '--credentials-stdin'], input: 'bot\ntoken-1\n', changes: ['cert', 'compose', 'config', 'env', 'key', 'state'] },
  { name: 'mirror rm (the other mirror stays)', base: 'mirrors', args: ['mirror', 'rm', 'ghcr.io'], changes: ['cert', 'compose', 'config', 'env', 'key', 'state'] },
  { name: 'k8s-secret --generate (the node user and its kept login)', base: 'tls', args: ['k8s-secret', '--generate'], changes: ['htpasswd'], nodeLogin: true },
  // Token auth: docker_auth reads its config (the users), the token pair and, in tls mode, the server pair.
  { name: 'init --auth token (fresh dir)', base: null, args: ['init', '--yes', '--auth', 'token', '--host', '127.0.0.1'], changes: TOKEN_ALL },
  { name: 'user add (token auth: docker_auth\'s config)', base: 'token', args: ['user', 'add', 'bob', '--role', 'pull', '--password-stdin'], input: `${PASSWORD}\n`, changes: ['authConfig'], user: ['bob', true] },
  // S3 storage: the keys and the shared http.secret in env/registry.env, read by compose (env_file), committed with the rest.
  { name: 'init --storage s3 (fresh dir, Ceph RGW)', base: null, args: ['init', '--yes', '--host', '127.0.0.1', '--storage', 's3', '--s3-endpoint', RGW_ENDPOINT, '--s3-bucket', 'crash', '--s3-create-bucket', '--s3-credentials-stdin'],
    input: `${RGW_KEYS.accessKey}\n${RGW_KEYS.secretKey}\n`, changes: [...ALL, 'env'].sort() as Role[] },
  { name: 'upgrade (the pin: compose file and record)', base: 'old', args: ['upgrade'], changes: ['compose', 'state'], beforeNeedsAction: true },
];

/** A fresh bundle dir in its own parent (so "nothing beside it" is checkable), copied from the base. */
async function prepare(c: Case): Promise<string> {
  const parent = path.join(work, `run-${++n}`);
  mkdirSync(parent);
  const dir = path.join(parent, 'b');
  if (c.base) await execa('cp', ['-a', bases[c.base]!, dir]);
  return dir;
}

const traced = (c: Case, dir: string, kill?: Kill) =>
  runTraced([...c.args, '--dir', dir], { out: path.join(path.dirname(dir), 'trace'), input: c.input, kill });

/** The user's hash as each reader of the users finds it (htpasswd, or docker_auth's config), null where absent. */
function hashesOf(view: ReaderView, user: string): (string | null)[] {
  if (view.roles.htpasswd) {
    return [...new Set(roleFiles(view, 'htpasswd').map((f) => readFileSync(f, 'utf8').split('\n').find((l) => l.startsWith(`${user}:`))?.slice(user.length + 1) ?? null))];
  }
  return [...new Set(roleFiles(view, 'authConfig').map((f) => (YAML.parse(readFileSync(f, 'utf8')) as { users: Record<string, { password: string }> }).users[user]?.password ?? null))];
}
const hasUser = (view: ReaderView, user: string): boolean[] => [...new Set(hashesOf(view, user).map((h) => h !== null))];

/** htpasswd -vb, the bcrypt check the registry and nginx make (docker_auth's too), on the hash every reader finds. */
async function verifies(view: ReaderView, user: string, password: string): Promise<void> {
  const [hash, ...more] = hashesOf(view, user);
  expect(more, `readers disagree on ${user}'s hash`).toEqual([]);
  const file = path.join(work, `verify-${++n}`);
  writeFileSync(file, `${user}:${hash}\n`);
  await execa('htpasswd', ['-vb', file, user, password]);
}

/** Asserts the view is the before one or a whole after one, with sound pairs either way; says which. */
async function judge(c: Case, dir: string, before: ReaderView, now: ReaderView): Promise<'before' | 'after'> {
  const side = JSON.stringify(now.files) === JSON.stringify(before.files) ? 'before' : 'after';
  if (side === 'after') {
    expect(changedRoles(before, now), 'the files that changed').toEqual([...c.changes].sort());
    expect(Object.entries(now.files).filter(([, h]) => h === 'missing'), 'files missing after').toEqual([]);
  }
  if (c.base !== null || side === 'after') await checkPairs(dir, now);
  if (c.user) {
    const [user, added] = c.user;
    expect(hasUser(now, user), `${user} among the users (${side})`).toEqual([side === 'after' ? added : !added]);
    if (side === 'after' && added) await verifies(now, user, PASSWORD);
  }
  if (c.nodeLogin) {
    const kept = path.join(dir, 'node-login/login.json');
    expect(existsSync(kept), `the kept node login (${side})`).toBe(side === 'after');
    expect(hasUser(now, 'nodes'), `nodes among the users (${side})`).toEqual([side === 'after']);
    if (side === 'after') {
      const login = JSON.parse(readFileSync(kept, 'utf8')) as { user: string; password: string };
      await verifies(now, login.user, login.password);
    }
  }
  return side;
}

/** The live generation and its ancestors, following .parent. */
function chain(dir: string): string[] {
  const out: string[] = [];
  for (let g: string | null = readlinkSync(path.join(dir, '.gen/current')); g && !out.includes(g); ) {
    out.push(g);
    const parent = path.join(dir, '.gen', g, '.parent');
    g = existsSync(parent) ? readFileSync(parent, 'utf8').trim() : null;
  }
  return out;
}

/** Everything an interrupted run may leave behind that a finished one would not. */
function leftovers(dir: string): string[] {
  const found = readdirSync(path.dirname(dir)).filter((f) => f.startsWith(`.${path.basename(dir)}.staging-`));
  if (!existsSync(dir)) return found;
  // .lock: a writer's; .owner: a new bundle's creator, removed just after the rename that commits it.
  for (const f of ['.lock', '.owner']) if (existsSync(path.join(dir, f))) found.push(f);
  const kept = existsSync(path.join(dir, '.gen/current')) ? chain(dir) : [];
  found.push(...readdirSync(path.join(dir, '.gen')).filter((f) => f !== 'current' && !kept.includes(f)).map((f) => `.gen/${f}`));
  // The stores beside .gen (.ca, ...): every entry is one a kept generation links to.
  const linked = new Set(kept.flatMap((g) => readdirSync(path.join(dir, '.gen', g)).map((f) => path.join(dir, '.gen', g, f))
    .filter((p) => lstatSync(p).isSymbolicLink()).map((p) => path.resolve(path.dirname(p), readlinkSync(p)))));
  for (const store of readdirSync(dir).filter((f) => f.startsWith('.') && f !== '.gen' && lstatSync(path.join(dir, f)).isDirectory())) {
    found.push(...readdirSync(path.join(dir, store)).filter((e) => !linked.has(path.join(dir, store, e))).map((e) => `${store}/${e}`));
  }
  const walk = (rel: string): string[] => readdirSync(path.join(dir, rel)).flatMap((f) => {
    const p = path.join(rel, f);
    return [...(/\.tmp-/.test(f) ? [p] : []), ...(lstatSync(path.join(dir, p)).isDirectory() ? walk(p) : [])];
  });
  return [...found, ...walk('.')];
}

/** The next command (status) cleans up, in one stderr line when there was something to clean. */
async function nextCommand(c: Case, dir: string, side: 'before' | 'after'): Promise<void> {
  const left = leftovers(dir);
  const r = await runCli(['status', '--dir', dir]);
  const lines = r.stderr.split('\n').filter(Boolean);
  const sweep = lines.filter((l) => /^warning: an interrupted run left .* removed /.test(l));
  expect(sweep, `status after a kill that left ${JSON.stringify(left)}:\n${r.stderr}`).toHaveLength(left.length > 0 ? 1 : 0);
  if (c.base === null && side === 'before') {
    // No bundle yet: status says so, and the staging dir (which held a CA key) is gone.
    expect(r.exitCode, r.stderr).toBe(1);
    expect(lines.filter((l) => !sweep.includes(l))).toEqual([expect.stringMatching(/^registry-setup: no bundle in /)]);
  } else {
    // A whole bundle, healthy: every link resolves, the pair matches, users are there.
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(c.beforeNeedsAction && side === 'before' ? 1 : 0);
    expect(lines.filter((l) => !sweep.includes(l)), r.stderr).toEqual([]);
  }
  expect(leftovers(dir)).toEqual([]);
}

/** The CLI died of SIGKILL; killed on entry, inside one of `syscalls`, which is returned. */
function killedAt(run: TracedRun, kill: { syscalls: readonly string[]; done: boolean }) {
  expect(run.signal === 'SIGKILL' || run.exitCode === 137, `strace exit ${run.exitCode} ${run.signal}\n${run.stderr}`).toBe(true);
  expect(run.killed.has(run.mainTid), `the CLI did not die of SIGKILL:\n${run.trace}`).toBe(true);
  const hit = run.calls.filter((x) => kill.syscalls.includes(x.syscall) && x.result === '?');
  if (!kill.done) expect(hit.length, `the kill did not land in ${kill.syscalls.join('/')}:\n${run.trace}`).toBeGreaterThan(0);
  return hit[0];
}

/** A path's identity, to see a rename land on it. */
const inode = (p: string) => {
  try {
    return lstatSync(p).ino;
  } catch {
    return null;
  }
};

describe.skipIf(!canRunPeers(PEERS))('a command killed at any rename: readers see before or after, and the next command cleans up', () => {
  beforeAll(async () => {
    rgw = await startRgw();
    expect(rgw.endpoint).toBe(RGW_ENDPOINT);
    work = await mkdtemp(path.join(os.tmpdir(), 'crash-'));
    for (const [name, extra] of [['tls', []], ['proxy', ['--mode', 'proxy']], ['mirrors', ['--mirror', 'docker.io', '--mirror', 'ghcr.io']]] as const) {
      bases[name] = path.join(work, `base-${name}`);
      const r = await runCli(['init', '--dir', bases[name]!, '--yes', '--host', '127.0.0.1', '--port', '26610', ...extra]);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    bases.token = path.join(work, 'base-token');
    const t = await runCli(['init', '--dir', bases.token, '--yes', '--auth', 'token', '--host', '127.0.0.1', '--port', '26610']);
    expect(t.exitCode, t.stderr).toBe(0);
    // A second user to remove (status rightly fails a bundle left with none), and a second generation in the chain.
    const r = await runCli(['user', 'add', 'carol', '--dir', bases.tls!, '--password-stdin'], { input: `${PASSWORD}\n` });
    expect(r.exitCode, r.stderr).toBe(0);
    // A bundle that pins an old image, committed by registry-setup's own writer (as upgrade-compose.test.ts makes it).
    bases.old = path.join(work, 'base-old');
    await execa('cp', ['-a', bases.tls!, bases.old]);
    const state = { ...readBundleState(bases.old), image: OLD_IMAGE };
    await commitChange(bases.old, { files: [
      { path: 'registry-setup.yml', contents: renderState(state), mode: PUBLIC },
      { path: 'docker-compose.yml', contents: renderCompose(state), mode: PUBLIC },
    ] }, { now: new Date(), random: (k) => randomBytes(k) });
  });
  afterAll(async () => {
    await rgw?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  // Concurrent: each case is a chain of CLI runs that mostly waits on node's start-up.
  it.concurrent.each(CASES)('$name', async (c) => {
    // The uninterrupted run: how many renames, which one commits, and a whole "after".
    const dir = await prepare(c);
    const before = readerView(dir);
    const full = await traced(c, dir);
    expect(full.exitCode, full.stderr).toBe(0);
    const renames = full.calls.filter((x) => isRename(x) && x.result === '0');
    const list = listCalls(renames);
    expect(renames.every((x) => x.tid === full.mainTid && x.syscall === renames[0]!.syscall), `when=N counts per thread and syscall:\n${list}`).toBe(true);
    const isCommit = (x: (typeof renames)[number]) => {
      const [from, to] = renamePaths(x);
      return to === path.join(dir, '.gen/current') || (to === dir && path.basename(from).startsWith(`.${path.basename(dir)}.staging-`));
    };
    expect(renames.filter(isCommit), `exactly one commit rename:\n${list}`).toHaveLength(1);
    const commit = renames.findIndex(isCommit) + 1;
    expect(await judge(c, dir, before, readerView(dir))).toBe('after');
    // fsyncs run on two threads, each counted apart: when=1 is simply the first of all.
    const firstFsync = full.calls.findIndex((x) => x.syscall === 'fsync');
    const beforeCommit = firstFsync >= 0 && firstFsync < full.calls.indexOf(renames[commit - 1]!);
    console.log(`${c.name}: ${renames.length} rename(s), #${commit} commits:\n${list}`);

    // Each rename N twice: killed on entry (not done), and held on exit then killed (done).
    type Point = { syscalls: readonly string[]; when: number; done: boolean; expect: 'before' | 'after' };
    const points: Point[] = [
      ...(firstFsync >= 0 ? [{ syscalls: ['fsync'], when: 1, done: false, expect: beforeCommit ? 'before' as const : 'after' as const }] : []),
      ...renames.flatMap((_, i) => [false, true].map((done) => ({
        syscalls: RENAMES, when: i + 1, done, expect: i + 1 < commit || (i + 1 === commit && !done) ? 'before' as const : 'after' as const,
      }))),
    ];
    for (const p of points) {
      const at = `${p.syscalls[0]} #${p.when}${p.done ? ', just after it' : ''}`;
      const d = await prepare(c);
      const was = readerView(d);
      const target = p.syscalls === RENAMES ? renamePaths(renames[p.when - 1]!)[1].replace(dir, d) : '';
      const ino = inode(target);
      const run = await traced(c, d, { syscalls: p.syscalls, when: p.when, ...(p.done && { done: () => inode(target) !== ino }) });
      const call = killedAt(run, p);
      if (call && p.syscalls === RENAMES) expect(renamePaths(call)[1], at).toBe(target);
      expect(await judge(c, d, was, readerView(d)), `killed at ${at}`).toBe(p.expect);
      await nextCommand(c, d, p.expect);
    }
  });
});
