/** A stream progress can go to (stderr by default). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressLine {
  update(text: string): void;
  /** Clears the line, so the report starts on a clean one. */
  done(): void;
}

/**
 * One line on stderr, redrawn in place, only on a terminal: a pipe or a CI log
 * gets nothing, and stdout (where --json goes) is never touched. Redraws are
 * throttled, since a thousand tags would otherwise mean a thousand writes.
 */
export function createProgressLine(stream: ProgressStream = process.stderr, intervalMs = 100): ProgressLine {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  let last = 0;
  let shown = false;
  return {
    update(text) {
      const now = Date.now();
      if (now - last < intervalMs) return;
      last = now;
      shown = true;
      stream.write(`\r\x1b[2K${text}`);
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
