import { CliError } from '../errors.js';

/**
 * After a command's commit, signals.ts lets it run to the end: stopping half-way
 * would hide a change that happened. A command whose change is temporary (gc's
 * read-only window) can still go back, so it listens too: a signal becomes a request
 * to stop at its next safe point, where it undoes the change and exits 130 (143 for
 * SIGTERM). Before the commit, signals.ts has already ended the process.
 */
export interface StopRequests {
  requested(): NodeJS.Signals | null;
  dispose(): void;
}

export function watchStopRequests(): StopRequests {
  let got: NodeJS.Signals | null = null;
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = () => {
      got ??= signal;
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return {
    requested: () => got,
    dispose: () => handlers.forEach(([signal, handler]) => process.off(signal, handler)),
  };
}

/** Lets a pending signal be delivered (the stack's calls block), then stops if one came. */
export async function checkpoint(stops: StopRequests, what: string): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  const signal = stops.requested();
  if (signal) throw new StoppedError(signal, what);
}

export class StoppedError extends CliError {
  constructor(readonly signal: NodeJS.Signals, what: string) {
    super(`cancelled (${signal}) ${what}`, signal === 'SIGTERM' ? 143 : 130);
  }
}
