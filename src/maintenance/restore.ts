import { createComposeStack } from '../stack/compose-stack.js';
import type { StackControl } from '../stack/stack-control.js';
import { describeLeave, leaveMaintenance } from './leave.js';
import { MAINTENANCE_FILE, readRecord } from './record.js';

/**
 * The sweep's part after a killed gc: the record it left says how far it got, and
 * leaveMaintenance does the rest. The caller (io/bundle-sweep.ts) holds the lock, so
 * the gc that wrote the record is gone. Returns the clause for the sweep's one line,
 * or null when no gc was interrupted. A restore that fails keeps the record: the next
 * command tries again, and says so meanwhile.
 */
export function restoreInterruptedMaintenance(dir: string, stack?: StackControl): string | null {
  let record;
  try {
    record = readRecord(dir);
  } catch (err) {
    return `${MAINTENANCE_FILE} cannot be read (${(err as Error).message}); check the stack with docker compose ps, then remove it`;
  }
  if (!record) return null;
  try {
    const done = leaveMaintenance(dir, record, stack ?? createComposeStack(dir));
    return `undid an interrupted gc's read-only window: ${describeLeave(done, record.returnTo)}`;
  } catch (err) {
    return `an interrupted gc left the registry read-only, and undoing it failed (${(err as Error).message}); the next registry-setup command tries again`;
  }
}
