import type { Output } from '../io/output.js';
import { sweepBundleDir } from '../io/bundle-sweep.js';
import { restoreInterruptedMaintenance } from '../maintenance/restore.js';
import { loadBundle, type LoadedBundle } from './load.js';
import type { BundleState } from './state.js';
import { readBundleState } from './read-state.js';

/**
 * Every command that reads a bundle opens it here, so whichever runs first after
 * an interrupted one removes that run's leftovers and says so in one line.
 */
export function openBundle(dir: string, out: Pick<Output, 'warn'>): LoadedBundle {
  return loadBundle(sweepBundleDir(dir, out, restoreInterruptedMaintenance));
}

export function openBundleState(dir: string, out: Pick<Output, 'warn'>): { dir: string; state: BundleState } {
  const abs = sweepBundleDir(dir, out, restoreInterruptedMaintenance);
  return { dir: abs, state: readBundleState(abs) };
}
