/**
 * Processes as `docker compose top SERVICE` lists them (compose v1 and v2 both print
 * ps columns, PID second, the process title last).
 *
 * nginx's workers: after a graceful reload the old ones go on serving what they had
 * accepted ("worker process is shutting down") and exit when it is done: until then
 * some requests still go where the old config sent them.
 */
export const workerPids = (topOutput: string): number[] => topPids(topOutput, /nginx: worker process/);

/**
 * The registry processes serving `config` (under the entry shell, or as the container's
 * own process): not a read-only instance of the same service, which serves another.
 */
export const servePids = (topOutput: string, config: string): number[] =>
  topPids(topOutput, new RegExp(`(^|/|\\s)registry serve ${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`));

/** PIDs of the processes in `docker compose top` output whose line matches. */
function topPids(topOutput: string, title: RegExp): number[] {
  const pids: number[] = [];
  for (const line of topOutput.split('\n')) {
    if (!title.test(line)) continue;
    const pid = Number(line.trim().split(/\s+/)[1]);
    if (Number.isInteger(pid) && pid > 0) pids.push(pid);
  }
  return pids;
}

/** The workers of `before` still alive in `now`. */
export function stillRunning(before: readonly number[], now: readonly number[]): number[] {
  const alive = new Set(now);
  return before.filter((pid) => alive.has(pid));
}

/** Blocks the thread: the stack's calls are synchronous (stack-control.ts says why). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
