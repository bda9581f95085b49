import { returnToGeneration } from '../io/bundle-writer.js';
import type { StackControl } from '../stack/stack-control.js';
import { restartRegistry } from '../stack/restart-registry.js';
import { NORMAL_UPSTREAM, readonlyContainerName } from './readonly-config.js';
import { reached, removeRecord, writeRecord, type MaintenanceRecord } from './record.js';

/** Pulls on nginx's old workers may be long layers: they get this long to finish before the read-only instance goes. */
export const LEAVE_DRAIN_MS = 600_000;
const ANSWER_MS = 60_000;

export interface LeaveResult {
  returned: boolean;
  restartedRegistry: boolean;
  reloadedNginx: boolean;
  removedReadonly: boolean;
  /** When the step that ends the read-only window began (ms epoch); null when there was no window. */
  writableAt: number | null;
}

/**
 * The way back from gc's read-only window, from wherever the record says gc got.
 * gc runs it when it is done, when a step fails and on Ctrl-C; the next command's
 * sweep runs it after a kill. Each step is safe to repeat, and the record is updated
 * as steps are done and removed last, so a kill in here is resumed by the next run.
 *
 * proxy: the registry restarts first if blobs may have gone (its cache), while nginx
 *   still sends everything to the read-only instance; then the normal generation is
 *   current again, nginx reloads gracefully onto the registry, and once the old
 *   workers have finished their pulls the read-only instance is removed.
 * tls/insecure: the normal generation is current again, and the registry, read-only
 *   since its restart, restarts with it (which also empties its cache).
 */
export function leaveMaintenance(
  dir: string, record: MaintenanceRecord, stack: StackControl, progress: (line: string) => void = () => {},
  /** What gc itself knows, which saves asking the stack inside the window (the sweep knows nothing). */
  known: { nginxRunning?: boolean } = {},
): LeaveResult {
  const result: LeaveResult = { returned: false, restartedRegistry: false, reloadedNginx: false, removedReadonly: false, writableAt: null };
  if (record.mode === 'proxy') {
    const nginxUp = reached(record, 'switching') && (known.nginxRunning ?? stack.isRunning('nginx'));
    if (reached(record, 'collecting') && !reached(record, 'restarted')) {
      progress('• restarting the registry, so that no cached entry names a deleted blob…');
      restartRegistry(stack);
      if (nginxUp) stack.waitUntilAnswers('nginx', `http://${NORMAL_UPSTREAM}/v2/`, ANSWER_MS);
      result.restartedRegistry = true;
      writeRecord(dir, (record = { ...record, step: 'restarted' }));
    }
    result.returned = returnToGeneration(dir, record.returnTo);
    if (nginxUp) {
      progress('• nginx back on the registry (graceful reload), waiting for pulls in flight on the read-only one…');
      result.writableAt = Date.now();
      stack.reloadNginx({ drain: { timeoutMs: LEAVE_DRAIN_MS, onWait: (n, ms) => progress(`  still ${n} old nginx worker(s) busy after ${Math.round(ms / 1000)} s`) } });
      result.reloadedNginx = true;
    }
    if (reached(record, 'switching')) {
      stack.stopExtra(record.readonlyContainer ?? readonlyContainerName(dir));
      result.removedReadonly = true;
    }
  } else {
    result.returned = returnToGeneration(dir, record.returnTo);
    if (reached(record, 'switching')) {
      progress('• restarting the registry with its normal config…');
      result.writableAt = Date.now();
      restartRegistry(stack);
      result.restartedRegistry = true;
    }
  }
  removeRecord(dir);
  return result;
}

/** "the normal config is current again, nginx reloaded, …": what a restore did, for one line. */
export function describeLeave(r: LeaveResult, returnTo: string): string {
  const parts = [
    r.returned ? `the normal config (${returnTo}) is current again` : 'the normal config was current already',
    ...(r.restartedRegistry ? ['the registry restarted'] : []),
    ...(r.reloadedNginx ? ['nginx reloaded onto it'] : []),
    ...(r.removedReadonly ? ['the read-only instance removed'] : []),
  ];
  return parts.join(', ');
}
