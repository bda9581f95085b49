import https from 'node:https';
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

/** How long docker_auth may take to load a changed config (it polls its watch each second). */
const LOAD_MS = 10_000;

/**
 * After a login was added for the nodes: waits until the realm hands it a token, so
 * that a node's first pull, right after trust-node, finds docker_auth already knowing
 * it. Whatever cannot be asked (no stack running here, the address not reachable
 * from this host) ends the wait at once: it is a courtesy, not a check. Returns
 * false when the realm still refused the login after the wait.
 */
export async function waitUntilRealmAccepts(realm: string, caPem: string, login: { user: string; password: string }): Promise<boolean> {
  const url = new URL(realm);
  const auth = Buffer.from(`${login.user}:${login.password}`).toString('base64');
  for (const start = Date.now(); ; await new Promise((r) => setTimeout(r, 250))) {
    const status = await new Promise<number | null>((resolve) => {
      const req = https.request({ host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path: url.pathname, method: 'GET', agent: false, timeout: 2000, ca: caPem, headers: { Authorization: `Basic ${auth}`, Connection: 'close' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? null);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(null));
      req.end();
    });
    if (status === null) return true; // nothing to ask here
    if (status === 200) return true;
    if (Date.now() - start > LOAD_MS) return false;
  }
}
