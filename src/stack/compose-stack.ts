import { execaSync } from 'execa';
import { FailError } from '../errors.js';
import { CONTAINER_PATHS } from '../render/registry-config.js';
import { shellCommand } from '../remote/shell-quote.js';
import { servePids, sleepSync, stillRunning, workerPids } from './top-pids.js';
import { StackError, type DrainOptions, type ExecResult, type StackControl } from './stack-control.js';

/** Any one compose operation (a pull of a big image included) ends within this. */
const STEP_TIMEOUT_MS = 600_000;
/** A registry told to restart closes its listener at once; this is only for one that hangs. */
const SERVE_EXIT_MS = 30_000;
const POLL_MS = 100;

interface Ran extends ExecResult {
  failed: boolean;
  why: string;
}

/**
 * The production stack: `docker compose ARGS` run in the bundle directory, as a person
 * runs it (the project is named after the directory), stdin ignored so nothing ever
 * waits for input. A failure is one line, with the exact command to run by hand.
 */
export function createComposeStack(dir: string): StackControl {
  const run = (argv: readonly string[], opts: { stdoutFile?: string; timeoutMs?: number } = {}): Ran => {
    const r = execaSync(argv[0]!, argv.slice(1), {
      cwd: dir, stdin: 'ignore', reject: false, timeout: opts.timeoutMs ?? STEP_TIMEOUT_MS,
      stdout: opts.stdoutFile ? { file: opts.stdoutFile } : 'pipe', stderr: 'pipe', maxBuffer: 64 * 1024 * 1024,
    });
    const notFound = (r as { code?: string }).code === 'ENOENT';
    const last = String(r.stderr || r.stdout || r.shortMessage || '').trim().split('\n').pop() ?? '';
    const why = notFound ? 'docker is not installed here, or not on PATH' : r.timedOut ? `no answer within ${(opts.timeoutMs ?? STEP_TIMEOUT_MS) / 1000} s` : last;
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), failed: r.failed, why };
  };
  const compose = (args: readonly string[], opts?: { stdoutFile?: string; timeoutMs?: number }) => run(['docker', 'compose', ...args], opts);
  const line = (argv: readonly string[]) => `cd ${shellCommand([dir])} && ${shellCommand(argv)}`;
  const must = (args: readonly string[]): Ran => {
    const r = compose(args);
    if (r.failed) throw new StackError(r.why, line(['docker', 'compose', ...args]));
    return r;
  };
  const nginxConf = CONTAINER_PATHS.nginxConf;
  const mustDocker = (args: readonly string[]) => {
    const r = run(['docker', ...args]);
    if (r.failed) throw new StackError(r.why, line(['docker', ...args]));
  };
  const removeContainer = (name: string) => {
    const r = run(['docker', 'rm', '-f', name]);
    if (r.failed && !/no such container/i.test(r.stderr)) throw new StackError(r.why, line(['docker', 'rm', '-f', name]));
  };

  const drainOldWorkers = (before: number[], drain: DrainOptions) => {
    const start = Date.now();
    for (let told = start; ; sleepSync(POLL_MS)) {
      const busy = stillRunning(before, workerPids(must(['top', 'nginx']).stdout));
      if (busy.length === 0) return;
      const waited = Date.now() - start;
      if (waited > drain.timeoutMs) {
        throw new FailError(`nginx's old workers still had requests in flight after ${Math.round(waited / 1000)} s (a long upload or pull); try again later`);
      }
      if (Date.now() - told > 5000) {
        told = Date.now();
        drain.onWait?.(busy.length, waited);
      }
    }
  };

  return {
    dir,
    up: () => void must(['up', '-d']),
    pull: () => compose(['pull']),
    imagePresent: (image) => !run(['docker', 'image', 'inspect', '--format', '{{.Id}}', image]).failed,
    isRunning: (service) => must(['ps', '--services', '--filter', 'status=running']).stdout.split('\n').map((s) => s.trim()).includes(service),
    restart: (service) => void must(['restart', service]),
    restartInPlace: (service, config = CONTAINER_PATHS.config) => {
      const before = servePids(must(['top', service]).stdout, config);
      must(['kill', '-s', 'HUP', service]);
      const start = Date.now();
      // A container whose registry is its own process (not yet recreated with the entry shell) dies of the HUP and is restarted by its policy: its pid is gone too.
      for (; stillRunning(before, servePids(compose(['top', service]).stdout, config)).length > 0; sleepSync(POLL_MS)) {
        if (Date.now() - start > SERVE_EXIT_MS) throw new StackError(`the ${service} process did not exit within ${SERVE_EXIT_MS / 1000} s of HUP`, line(['docker', 'compose', 'restart', service]));
      }
    },
    exec: (service, argv, opts) => compose(['exec', '-T', service, ...argv], { ...opts, timeoutMs: 0 }),
    runOnce: (service, argv, opts) => compose(['run', '--rm', '--no-deps', '-T', service, ...argv], { ...opts, timeoutMs: 0 }),
    reloadNginx: (opts = {}) => {
      if (opts.check) must(['exec', '-T', 'nginx', 'nginx', '-t', '-c', nginxConf]);
      const before = opts.drain ? workerPids(must(['top', 'nginx']).stdout) : [];
      must(['exec', '-T', 'nginx', 'nginx', '-c', nginxConf, '-s', 'reload']);
      if (opts.drain && before.length > 0) drainOldWorkers(before, opts.drain);
    },
    startExtra: (name, service, argv) => {
      removeContainer(name);
      must(['run', '-d', '--no-deps', '--name', name, service, ...argv]);
      // compose gives a one-off container no restart policy: after a reboot in gc's window nginx would name a container that is gone.
      mustDocker(['update', '--restart', 'unless-stopped', name]);
    },
    stopExtra: (name) => removeContainer(name),
    waitUntilAnswers: (from, url, timeoutMs) => {
      const start = Date.now();
      for (;; sleepSync(POLL_MS)) {
        const r = compose(['exec', '-T', from, 'wget', '-q', '-O', '/dev/null', url]);
        if (!r.failed) return;
        if (Date.now() - start > timeoutMs) throw new StackError(`${url} did not answer within ${Math.round(timeoutMs / 1000)} s: ${r.why}`, line(['docker', 'compose', 'logs', '--tail', '20']));
      }
    },
  };
}
