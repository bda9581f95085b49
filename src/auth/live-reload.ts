import { closeSync, openSync, readSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GEN_DIR, isGenerationName } from '../bundle/layout.js';
import { BUNDLE_FILES } from '../bundle/state.js';

/**
 * Tells a running docker_auth that its config changed, with no restart and no signal
 * (docker_auth 1.14 exits on SIGHUP). It watches its config FILE with inotify, and
 * reloads (re-reading the path, so through .gen/current) on a write to it or ~2 s after
 * the file is deleted. A commit switches .gen/current and leaves the file it watches,
 * the one live when it started, untouched in a kept generation. So after the commit,
 * the first byte of every kept generation's auth_config.yml is written back as it is:
 * no content changes (a crash mid-way leaves every file exactly as before), but the
 * watched inode reports a write, and docker_auth loads the new generation within ~1 s.
 * A generation pruned meanwhile was deleted: that too makes it reload and re-watch.
 */
export function nudgeTokenServer(dir: string): number {
  let nudged = 0;
  let names: string[];
  try {
    names = readdirSync(join(dir, GEN_DIR)).filter(isGenerationName);
  } catch {
    return 0;
  }
  for (const gen of names) {
    let fd: number;
    try {
      fd = openSync(join(dir, GEN_DIR, gen, BUNDLE_FILES.authConfig), 'r+');
    } catch {
      continue; // a generation without token auth, or one pruned meanwhile
    }
    try {
      const byte = Buffer.alloc(1);
      if (readSync(fd, byte, 0, 1, 0) === 1 && writeSync(fd, byte, 0, 1, 0) === 1) nudged++;
    } finally {
      closeSync(fd);
    }
  }
  return nudged;
}
