import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeDirs, writeFileAtomic } from './atomic-write.js';
import type { WrittenFile } from './file-plan.js';

export type InstallResult = 'unchanged' | 'installed' | 'updated' | 'would install' | 'would update';

/**
 * The writer's third policy, for files outside any bundle (a systemd unit, a cron
 * entry): each is one whole file, installed atomically, and only when its text differs,
 * so a second run changes nothing and says so.
 */
export function installIfDifferent(root: string, files: readonly WrittenFile[], dryRun: boolean): { path: string; result: InstallResult }[] {
  return files.map((f) => {
    const full = join(root, f.path);
    const before = existsSync(full) ? readFileSync(full, 'utf8') : null;
    if (before === f.contents) return { path: full, result: 'unchanged' };
    if (dryRun) return { path: full, result: before === null ? 'would install' : 'would update' };
    makeDirs(dirname(full));
    writeFileAtomic(full, f.contents, f.mode);
    return { path: full, result: before === null ? 'installed' : 'updated' };
  });
}
