/**
 * The commit point and Ctrl-C. Before a command commits, SIGINT or SIGTERM undo
 * what it started (a staging directory, a lock) and exit 130 or 143: nothing
 * changed. After it, the signal is ignored and the command finishes, exit 0:
 * stopping half-way through reporting a change that happened would only hide it.
 * cli.ts installs the handlers; writers call markCommitted() right after the
 * rename that commits.
 */
const pending = new Set<() => void>();
let isCommitted = false;

export function onInterrupt(undo: () => void): () => void {
  pending.add(undo);
  return () => pending.delete(undo);
}

export function markCommitted(): void {
  isCommitted = true;
}

export function committed(): boolean {
  return isCommitted;
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
