import { LINE, RESULT_PREFIX } from './script-contract.js';
import type { SshTarget } from './ssh-target.js';

export interface SshOptions {
  identities: string[];
  /** Extra `-o KEY=VALUE`, given before ours so they win (ssh keeps the first value it sees). */
  options: string[];
  /** --ssh-port: for targets that do not name a port. */
  port?: number;
  acceptNewHostKeys: boolean;
  connectTimeoutSec: number;
  timeoutMs: number;
}

export interface SshRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

export interface ExecResult {
  exitCode?: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** The one process call; tests pass a fake (a table of outcomes), the CLI passes execa. */
export type Exec = (file: string, args: string[], options: { input: string; timeoutMs: number }) => Promise<ExecResult>;

// A login shell may be fish or csh, so anything beyond `sh -s` runs inside sh -c '...'.
const AS_ROOT = 'sh -s';
const ROOT_OR_SUDO = `sh -c 'if [ "$(id -u)" = 0 ]; then exec sh -s; else exec sudo -n sh -s; fi'`;

/** root logs in as root; anyone else (or a user ~/.ssh/config picks) goes through `sudo -n`, which never prompts. */
export function remoteCommand(target: SshTarget): string {
  return target.user === 'root' ? AS_ROOT : ROOT_OR_SUDO;
}

/**
 * ssh's argv for one target. BatchMode first so nothing can turn prompts back on (a prompt
 * would hang a fleet run). Host key checking is left as the user's config has it, except
 * that --accept-new-host-keys allows keys of hosts never seen before; it is never disabled.
 */
export function buildSshArgs(target: SshTarget, opts: SshOptions): string[] {
  const port = target.port ?? opts.port;
  return [
    '-T',
    '-o', 'BatchMode=yes',
    ...opts.options.flatMap((o) => ['-o', o]),
    '-o', `ConnectTimeout=${opts.connectTimeoutSec}`,
    ...(opts.acceptNewHostKeys ? ['-o', 'StrictHostKeyChecking=accept-new'] : []),
    ...opts.identities.flatMap((i) => ['-i', i]),
    ...(port !== undefined ? ['-p', String(port)] : []),
    ...(target.user !== undefined ? ['-l', target.user] : []),
    '--', target.host, remoteCommand(target),
  ];
}

/** Sends the script on stdin (the CA is in it, never in argv) over one connection. */
export async function runOverSsh(target: SshTarget, script: string, opts: SshOptions, exec: Exec): Promise<SshRun> {
  const t0 = performance.now();
  const r = await exec('ssh', buildSshArgs(target, opts), { input: script, timeoutMs: opts.timeoutMs });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut, ms: performance.now() - t0 };
}

/** execa, loaded only when a host is really contacted. */
export async function execaExec(): Promise<Exec> {
  const { execa } = await import('execa');
  return async (file, args, { input, timeoutMs }) => {
    const r = await execa(file, args, { input, timeout: timeoutMs, reject: false, stripFinalNewline: false });
    return { exitCode: r.exitCode, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), timedOut: r.timedOut };
  };
}

const lastLine = (text: string): string => text.trim().split(/\r?\n/).filter((l) => !/^Warning: Permanently added/.test(l)).pop() ?? '';

/**
 * Why ssh or sudo failed before the script could start, in words a person can act on;
 * null when the script itself ran (its own report says the rest).
 */
export function describeSshFailure(target: SshTarget, run: SshRun, opts: Pick<SshOptions, 'timeoutMs' | 'port'>): string | null {
  if (run.timedOut) return `timed out after ${Math.round(opts.timeoutMs / 1000)} s`;
  if (new RegExp(`^${RESULT_PREFIX} ${LINE.begin}$`, 'm').test(run.stdout)) return null;
  const err = run.stderr;
  if (run.exitCode === 255) {
    const port = target.port ?? opts.port;
    if (/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(err)) {
      return 'its host key has CHANGED since it was recorded in known_hosts; that can be a man-in-the-middle, so nothing was sent. ' +
        `If the node was reinstalled, check its new fingerprint, then: ssh-keygen -R ${target.host}`;
    }
    if (/Host key verification failed|host key is known|No .* host key is known/i.test(err)) {
      return `its host key is unknown (not in known_hosts), so nothing was sent. Check the fingerprint on the node ` +
        `(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then add it: ssh-keyscan ${port ? `-p ${port} ` : ''}${target.host} >> ~/.ssh/known_hosts ` +
        '(compare with ssh-keygen -lf), or pass --accept-new-host-keys to trust keys of hosts never seen before';
    }
    if (/Permission denied/.test(err)) return `ssh login refused (${lastLine(err)}): check the user, --identity or your ssh agent`;
    return `unreachable: ${lastLine(err) || 'ssh failed (exit 255)'}`;
  }
  if (/sudo:/.test(err)) {
    return `sudo needs a password here, or ${target.user ?? 'the login user'} may not use sudo (${lastLine(err)}); nothing was changed. ` +
      'Log in as root, or allow passwordless sudo for this user';
  }
  return `the remote shell did not start the script (exit ${run.exitCode}): ${lastLine(err) || 'no output'}`;
}
