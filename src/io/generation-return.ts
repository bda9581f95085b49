import { lstatSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { FailError } from '../errors.js';
import { CURRENT, GEN_DIR, linkTarget } from '../bundle/layout.js';
import { currentGeneration, exists } from './generations.js';
import { switchCurrent } from './generation-build.js';
import { pruneGenerations } from './bundle-sweep.js';

/**
 * Makes an earlier generation current again, by the same one rename that commits
 * every change. For a temporary change only (gc's read-only window): the generation
 * returned to is the one it replaced, byte for byte, with the hashes it was written
 * with, so a hand edit stays visible to `upgrade`, and the kept history is as if the
 * temporary generation had never been (the next prune drops it). The caller holds
 * the bundle lock. Returns false when `gen` is current already.
 */
export function returnToGeneration(dir: string, gen: string): boolean {
  if (currentGeneration(dir) === gen) return false;
  if (!exists(join(dir, GEN_DIR, gen))) throw new FailError(`${join(dir, GEN_DIR, gen)} is gone, so the normal config cannot be brought back; run registry-setup upgrade --force to write it anew`);
  // Not the command's own commit: whoever restores (gc, or the next command's sweep) keeps its own Ctrl-C rule.
  switchCurrent(dir, gen, (n) => randomBytes(n), false);
  dropDanglingLinks(dir);
  pruneGenerations(dir);
  return true;
}

/** Top-level links into .gen/current that the current generation no longer fills (gc's maintenance/). */
function dropDanglingLinks(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    try {
      if (!lstatSync(path).isSymbolicLink() || readlinkSync(path) !== linkTarget(name)) continue;
    } catch {
      continue;
    }
    if (!exists(join(dir, GEN_DIR, CURRENT, name))) rmSync(path, { force: true });
  }
}
