import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MaintenanceRestorer } from '../io/bundle-sweep.js';
import { MAINTENANCE_FILE } from './record.js';

/**
 * The sweep's restorer for a command that should not pay for it when there is
 * nothing to restore (init: docker compose control and the YAML editor are about
 * a third of its JavaScript). Loaded only when DIR holds a gc's record. A record
 * that appears after this look, from a gc killed in between, is left for the next
 * command, and the sweep's line says so.
 */
export async function maintenanceRestorer(dir: string): Promise<MaintenanceRestorer> {
  if (existsSync(join(resolve(dir), MAINTENANCE_FILE))) return (await import('./restore.js')).restoreInterruptedMaintenance;
  return (abs) => (existsSync(join(abs, MAINTENANCE_FILE)) ? `a gc's ${MAINTENANCE_FILE} record appeared meanwhile; the next registry-setup command undoes its read-only window` : null);
}
