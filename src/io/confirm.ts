import { CancelledError, UsageError } from '../errors.js';
import type { Prompter } from './prompt.js';

export interface ConfirmFlags {
  yes: boolean;
  dryRun: boolean;
  /** A person at a terminal who can answer (stdin and stdout are TTYs). */
  interactive: boolean;
}

export const isInteractive = (): boolean => Boolean(process.stdin.isTTY && process.stdout.isTTY);

/**
 * Checked while resolving flags, before anything is read or dialled: a script
 * (no terminal) must say --yes for a command that deletes, or it exits 2.
 */
export function requireYesWithoutTerminal(command: string, f: ConfirmFlags): void {
  if (f.yes || f.dryRun || f.interactive) return;
  throw new UsageError(`${command} deletes, and there is no terminal to ask on: pass --yes to go ahead (or --dry-run to see what it would delete)`);
}

/** Asks on a terminal (unless --yes); "no" ends the command with nothing changed. */
export async function confirmOrCancel(question: string, f: ConfirmFlags, prompter?: () => Promise<Prompter>): Promise<void> {
  if (f.yes) return;
  const ask = prompter ? await prompter() : await (await import('./prompt.js')).createTerminalPrompter();
  const answer = await ask.select(question, [{ name: 'no', hint: 'change nothing' }, { name: 'yes' }], 'no');
  if (answer !== 'yes') throw new CancelledError('nothing was deleted');
}
