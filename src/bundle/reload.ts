import { shellCommand } from '../remote/shell-quote.js';
import { CONTAINER_PATHS } from '../render/registry-config.js';
import type { Mode } from './state.js';
import type { StackControl } from '../stack/stack-control.js';
import { restartRegistry, restartsInPlace } from '../stack/restart-registry.js';

/**
 * What makes the running stack serve a renewed certificate: the registry reads it
 * only at start-up; nginx re-reads it on a graceful reload, which drops no
 * connection; in tls mode the entry shell restarts the registry in place, if the
 * compose file has it (stack/restart-registry.ts). `recreate`: the compose file itself changed (an old bundle was just
 * converted to generations), so the containers must be made anew from it.
 */
export function reloadArgs(dir: string, mode: Mode, recreate = false): string[] | null {
  if (recreate) return ['compose', 'up', '-d'];
  if (mode === 'tls') return restartsInPlace(dir) ? ['compose', 'kill', '-s', 'HUP', 'registry'] : ['compose', 'restart', 'registry'];
  if (mode === 'proxy') return ['compose', 'exec', '-T', 'nginx', 'nginx', '-c', CONTAINER_PATHS.nginxConf, '-s', 'reload'];
  return null; // insecure: nothing serves the certificate
}

/** The exact line a person runs, e.g. `cd /srv/registry && docker compose restart registry`. */
export function reloadCommand(dir: string, mode: Mode, recreate = false): string | null {
  const args = reloadArgs(dir, mode, recreate);
  return args && `cd ${shellCommand([dir])} && ${shellCommand(['docker', ...args])}`;
}

/**
 * The same, done through the stack interface (what `reloadCommand` prints is what it
 * runs): false when nothing serves the certificate (insecure mode).
 */
export function reloadStack(stack: StackControl, mode: Mode, recreate = false): boolean {
  if (recreate) stack.up();
  else if (mode === 'tls') restartRegistry(stack);
  else if (mode === 'proxy') stack.reloadNginx();
  else return false;
  return true;
}
