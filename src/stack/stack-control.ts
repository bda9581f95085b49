import { FailError } from '../errors.js';

/**
 * Every way registry-setup touches the running stack goes through this one interface:
 * renew --reload, gc's read-only dance, upgrade --reload, and the restore the next
 * command runs after a killed gc. The production implementation (compose-stack.ts)
 * runs `docker compose` in the bundle directory; tests drive commands with a fake.
 *
 * The calls are synchronous on purpose. The same steps run from the sweep that every
 * command does before it reads a bundle, which is synchronous code, and from gc's
 * Ctrl-C path; one blocking call at a time also keeps the order of the steps plain.
 * A signal is handled as soon as the running call returns (a terminal's Ctrl-C
 * reaches the docker child too, so it returns at once).
 */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface DrainOptions {
  /** How long in-flight requests on nginx's old workers may take before this gives up. */
  timeoutMs: number;
  /** Told now and then, while old workers are still busy. */
  onWait?: (busyWorkers: number, waitedMs: number) => void;
}

export interface StackControl {
  readonly dir: string;
  /** `up -d`: creates, or recreates from a changed compose file, every default service. */
  up(): void;
  /** `pull`; never throws: offline it fails, which the caller weighs against imagePresent(). */
  pull(): ExecResult;
  imagePresent(image: string): boolean;
  isRunning(service: string): boolean;
  restart(service: string): void;
  /**
   * HUP to the service's entry shell, which restarts the program in place (no new
   * container, so no new network); returns once every process that served before is
   * gone, so that from then on an answer can only come from the new one. `config`: the
   * config its registry serves (default the registry's; a mirror serves its own).
   */
  restartInPlace(service: string, config?: string): void;
  /** A program inside a running service's container; never throws. `stdoutFile` takes a large output. */
  exec(service: string, argv: readonly string[], opts?: { stdoutFile?: string }): ExecResult;
  /** `run --rm --no-deps`: a one-off container of the service (its image and mounts); never throws. */
  runOnce(service: string, argv: readonly string[], opts?: { stdoutFile?: string }): ExecResult;
  /**
   * nginx re-reads its config (`nginx -c CONF -s reload`): new workers take new requests,
   * old ones finish theirs. `check` tests the config first; `drain` waits for the old
   * workers to exit, so no request still goes where the old config sent it.
   */
  reloadNginx(opts?: { check?: boolean; drain?: DrainOptions }): void;
  /**
   * An extra instance (gc's read-only registry): a one-off container of `service` (its
   * image, mounts and network; no ports, and not the service's name) running `argv`,
   * which `up -d` and restarts of the service leave alone, and which comes back after
   * a reboot as the service does. One left over by that name goes first.
   */
  startExtra(name: string, service: string, argv: readonly string[]): void;
  /** Stops and removes it; nothing to do when it is not there. */
  stopExtra(name: string): void;
  /** Polls `url` from inside `from`'s container (the compose network) until it answers 2xx. */
  waitUntilAnswers(from: string, url: string, timeoutMs: number): void;
}

/** A stack call that failed: `why` is its last line, `command` what a person can run instead. */
export class StackError extends FailError {
  constructor(readonly why: string, readonly command: string) {
    super(`${command} failed (${why})`);
  }
}
