/**
 * Work that must be undone if the process is interrupted (a staging directory,
 * say). cli.ts runs these synchronously on SIGINT/SIGTERM before it exits.
 */
const pending = new Set<() => void>();

export function onInterrupt(undo: () => void): () => void {
  pending.add(undo);
  return () => pending.delete(undo);
}

export function runInterruptCleanups(): void {
  for (const undo of pending) {
    try {
      undo();
    } catch {
      // best effort: the process is exiting
    }
  }
  pending.clear();
}
