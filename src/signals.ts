import { committed, runInterruptCleanups } from './io/interrupt.js';

/**
 * Imported first by cli.ts, for its side effect: the handlers are in place before
 * anything else loads, so even a signal during start-up exits 130/143 cleanly.
 * Before a command commits, a signal undoes what it started and exits: nothing
 * changed. After the commit it is ignored: the command finishes and exits 0.
 */
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.on(signal, () => {
    if (committed()) return;
    runInterruptCleanups();
    process.stderr.write(`\ncancelled (${signal}): nothing was changed\n`);
    process.exit(code);
  });
}
