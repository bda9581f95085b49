import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { CLI } from './cli.js';

/**
 * `registry-setup gc` started in the background, in a process group of its own, so a
 * test can watch how far it got (its .maintenance record on disk) and stop, kill or
 * pause it there, children included, as a shell's job control or systemd would.
 */
export interface BackgroundCli {
  run: Promise<{ exitCode?: number; signal?: string; stdout: string; stderr: string }>;
  pid: number;
  /** Resolves once the record names one of `steps`; rejects if the CLI ends first. */
  reachedStep(dir: string, steps: readonly string[], timeoutMs?: number): Promise<void>;
  /** Resolves once `check` holds (polled every few ms); rejects if the CLI ends first. */
  reached(what: string, check: () => boolean | Promise<boolean>, timeoutMs?: number): Promise<void>;
  signalGroup(signal: NodeJS.Signals): void;
}

export const stepOf = (dir: string): string | null => {
  try {
    return (JSON.parse(readFileSync(join(dir, '.maintenance'), 'utf8')) as { step: string }).step;
  } catch {
    return null;
  }
};

export function startCli(args: string[], env: Record<string, string>): BackgroundCli {
  const run = execa(process.execPath, [CLI, ...args], { reject: false, detached: true, env: { NO_COLOR: '1', ...env }, stdin: 'ignore', timeout: 240_000 });
  let ended = false;
  void run.then(() => (ended = true));
  const reached = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 120_000) => {
    for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 5))) {
      if (await check()) return;
      if (ended) throw new Error(`gc ended before ${what}:\n${(await run).stderr}`);
    }
    throw new Error(`gc did not reach ${what} within ${timeoutMs} ms`);
  };
  return {
    run,
    pid: run.pid!,
    reachedStep: (dir, steps, timeoutMs) => reached(steps.join('/'), () => steps.includes(stepOf(dir) ?? ''), timeoutMs),
    reached: (what, check, timeoutMs) => reached(what, check, timeoutMs),
    signalGroup: (signal) => process.kill(-run.pid!, signal),
  };
}
