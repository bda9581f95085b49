import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { CLI } from './cli.js';

/**
 * The CLI run under strace, to count its renames and to kill it at one exact
 * syscall. strace counts `when=N` per syscall and per thread, so "the Nth rename"
 * only means one thing when every counted call comes from the same thread:
 * runTraced reports which thread exec'd node, and callers check that the calls
 * they count are that thread's (renameSync runs on the main thread; fsyncs run
 * there and on the thread pool, so only "the first fsync of any thread" is used).
 * --seccomp-bpf is deliberately not used: with it strace 6.1 silently skipped the
 * injection, and the "killed" run committed.
 */

export const RENAMES = ['rename', 'renameat', 'renameat2'] as const;
const TRACED = ['execve', ...RENAMES, 'fsync'];

export interface Call {
  tid: number;
  syscall: string;
  args: string;
  /** The return value; '?' when the thread died inside the call (an injected kill). */
  result: string;
}

export interface TracedRun {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  /** The thread that exec'd node: the CLI's main thread. */
  mainTid: number;
  calls: Call[];
  /** Threads strace saw die of SIGKILL. */
  killed: Set<number>;
  /** The raw trace, for failure messages. */
  trace: string;
}

export interface Kill {
  syscalls: readonly string[];
  /** The 1-based invocation (per syscall, per thread) that gets SIGKILL on entry, before it runs. */
  when: number;
  /**
   * Kill on the way out instead, the call done: strace holds the thread there
   * (delay_exit) until `done()` sees its effect, and the test sends SIGKILL itself.
   */
  done?: () => boolean;
}

/** Parses `strace -f -o` output, joining `<unfinished ...>` with its `<... resumed>`. */
export function parseTrace(text: string): { calls: Call[]; killed: Set<number> } {
  const calls: Call[] = [];
  const killed = new Set<number>();
  const pending = new Map<number, { syscall: string; args: string }>();
  for (const line of text.split('\n')) {
    let m = /^(\d+)\s+\+\+\+ killed by SIGKILL/.exec(line);
    if (m) {
      const tid = Number(m[1]);
      killed.add(tid);
      const p = pending.get(tid);
      if (p) calls.push({ tid, ...p, result: '?' }); // died inside the call, no resumed line
      pending.delete(tid);
      continue;
    }
    m = /^(\d+)\s+(\w+)\((.*) <unfinished \.\.\.>$/.exec(line);
    if (m) {
      pending.set(Number(m[1]), { syscall: m[2]!, args: m[3]! });
      continue;
    }
    m = /^(\d+)\s+<\.\.\. (\w+) resumed>(.*)\)\s+= (\S+)/.exec(line);
    if (m) {
      const tid = Number(m[1]);
      const p = pending.get(tid);
      pending.delete(tid);
      calls.push({ tid, syscall: m[2]!, args: `${p?.args ?? ''}${m[3]}`, result: m[4]! });
      continue;
    }
    m = /^(\d+)\s+(\w+)\((.*)\)\s+= (\S+)/.exec(line);
    if (m) calls.push({ tid: Number(m[1]), syscall: m[2]!, args: m[3]!, result: m[4]! });
  }
  return { calls, killed };
}

/** Runs `registry-setup ARGS` under strace -f, optionally killing it at one syscall. */
export async function runTraced(args: string[], opts: { out: string; cwd?: string; input?: string; kill?: Kill }): Promise<TracedRun> {
  const k = opts.kill;
  const how = k?.done ? 'delay_exit=3000000' : 'signal=KILL'; // strace sits out the whole delay even once the CLI is dead: keep it short
  const inject = k ? ['-e', `inject=${k.syscalls.join(',')}:${how}:when=${k.when}`] : [];
  const run = execa('strace', ['-f', '-o', opts.out, '-e', `trace=${TRACED.join(',')}`, ...inject, process.execPath, CLI, ...args], {
    reject: false, input: opts.input ?? '', cwd: opts.cwd, timeout: 60_000,
    // One libuv worker: the thread pool's calls (async fsyncs) are then one thread's, counted in one order.
    env: { NO_COLOR: '1', UV_THREADPOOL_SIZE: '1' },
  });
  if (k?.done) {
    for (const end = Date.now() + 20_000; !k.done(); await new Promise((r) => setTimeout(r, 5))) {
      if (Date.now() > end || run.exitCode !== null) throw new Error(`${k.syscalls[0]} #${k.when} never took effect`);
    }
    // strace's only child is the CLI (node's threads are tasks of that one process).
    const pid = Number(readFileSync(`/proc/${run.pid}/task/${run.pid}/children`, 'utf8').trim());
    process.kill(pid, 'SIGKILL');
  }
  const r = await run;
  const trace = await readFile(opts.out, 'utf8');
  const { calls, killed } = parseTrace(trace);
  const exec = calls.find((c) => c.syscall === 'execve' && c.result === '0' && c.args.includes(JSON.stringify(process.execPath)));
  if (!exec) throw new Error(`strace shows no execve of node:\n${trace}`);
  return { exitCode: r.exitCode, signal: r.signal, stdout: r.stdout, stderr: r.stderr, mainTid: exec.tid, calls, killed, trace };
}

export const isRename = (c: Call) => (RENAMES as readonly string[]).includes(c.syscall);

/** The two path arguments of a rename/renameat/renameat2 line ("AT_FDCWD" and flags dropped). */
export function renamePaths(c: Call): [string, string] {
  const paths = [...c.args.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
  if (paths.length !== 2) throw new Error(`cannot read the paths of ${c.syscall}(${c.args})`);
  return [paths[0]!, paths[1]!];
}

/** One line per call, to print when an assertion about them fails. */
export const listCalls = (calls: readonly Call[]) => calls.map((c) => `${c.tid} ${c.syscall}(${c.args}) = ${c.result}`).join('\n');
