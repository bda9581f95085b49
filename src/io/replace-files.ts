import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { backupFile, fileMode, writeFileAtomic } from './atomic-write.js';
import type { PlannedFile } from './file-plan.js';

/**
 * Replaces files in place, each atomically, so a running registry or nginx
 * sees the old file or the new one. A file keeps the mode it has, except that
 * a private (0600) file never becomes wider than that. With `backupAt`, each
 * old file is first copied next to itself as FILE.bak-STAMP.
 */
export function replaceFiles(dir: string, files: readonly PlannedFile[], backupAt?: Date): string[] {
  const backups: string[] = [];
  if (backupAt) {
    // every backup first: a failure here leaves every original untouched
    for (const f of files) {
      const full = join(dir, f.path);
      if (existsSync(full)) backups.push(backupFile(full, backupAt));
    }
  }
  for (const f of files) {
    const full = join(dir, f.path);
    const current = fileMode(full);
    const mode = current === null ? f.mode : f.mode === 0o600 ? current & 0o600 : current;
    writeFileAtomic(full, f.contents, mode);
  }
  return backups;
}
