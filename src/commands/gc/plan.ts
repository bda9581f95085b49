import { FailError, UsageError } from '../../errors.js';
import type { ComposeFacts } from '../../bundle/compose-facts.js';
import { registryMajor } from '../../bundle/registry-image.js';
import { BUNDLE_FILES, type BundleState, type Mode } from '../../bundle/state.js';
import { containerConfigOf } from '../../maintenance/readonly-config.js';
import { gcArgs } from '../../storage/gc-output.js';
import type { GcOptions } from './resolve.js';

export interface GcPlan {
  mode: Mode;
  /** The registry image the compose file runs (the record's when the file does not say). */
  image: string;
  /** How writes are held off: nginx onto a read-only instance (proxy), or the registry restarted read-only. */
  switch: 'proxy' | 'restart';
  /** garbage-collect's arguments; the config is the live generation's, the normal one, whatever gc commits meanwhile. */
  args: string[];
  warnings: string[];
}

const UPGRADE = 'run registry-setup upgrade --reload first';

/** Everything gc decides before it touches anything; pure, so refusals are tested as a table. */
export function planGc(state: BundleState, facts: ComposeFacts, generation: string | null, opts: Pick<GcOptions, 'dryRun' | 'deleteUntagged' | 'force'>): GcPlan {
  if (generation === null || !facts.mountsGenerations) {
    throw new FailError(`this bundle's ${BUNDLE_FILES.compose} was written before generations, and its containers do not see the configs gc switches between: ${UPGRADE}`);
  }
  const image = facts.registryImage ?? state.image;
  const warnings: string[] = [];
  if (opts.deleteUntagged && registryMajor(image) === 2) {
    const why = `on registry 2.x (${image}), --delete-untagged can delete the images a multi-arch index points to (distribution#3178), which breaks every such image`;
    if (!opts.force && !opts.dryRun) throw new UsageError(`${why}; upgrade to registry 3 (registry-setup upgrade --reload), or pass --force to run it anyway`);
    warnings.push(`${why}${opts.force ? ' (going ahead: --force)' : ''}`);
  }
  return {
    mode: state.mode,
    image,
    switch: state.mode === 'proxy' ? 'proxy' : 'restart',
    args: gcArgs(containerConfigOf(generation), opts),
    warnings,
  };
}
