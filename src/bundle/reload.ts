import { shellCommand } from '../remote/shell-quote.js';
import { CONTAINER_PATHS } from '../render/registry-config.js';
import type { Mode } from './state.js';
import type { StackControl } from '../stack/stack-control.js';
import { restartRegistry, restartsInPlace } from '../stack/restart-registry.js';
import type { TlsMirror } from '../mirrors/render.js';

/**
 * What makes the running stack serve a renewed certificate: the registry reads it
 * only at start-up; nginx re-reads it on a graceful reload, which drops no
 * connection; in tls mode the entry shell restarts the registry in place, if the
 * compose file has it (stack/restart-registry.ts), and so does each mirror that ends TLS
 * itself (`mirrors`: their service names; mirrors/render.ts says where TLS ends). `recreate`: the compose file itself changed (an old bundle was just
 * converted to generations), so the containers must be made anew from it.
 */
export function reloadArgs(dir: string, mode: Mode, recreate = false, mirrors: readonly TlsMirror[] = []): string[] | null {
  const services = mirrors.map((m) => m.service);
  if (recreate) return ['compose', 'up', '-d'];
  // Mirrors that end TLS themselves (tls and insecure mode) have the same entry shell: one HUP for all.
  if (mode === 'tls') return restartsInPlace(dir) ? ['compose', 'kill', '-s', 'HUP', 'registry', ...services] : ['compose', 'restart', 'registry', ...services];
  if (mode === 'proxy') return ['compose', 'exec', '-T', 'nginx', 'nginx', '-c', CONTAINER_PATHS.nginxConf, '-s', 'reload'];
  if (services.length > 0) return ['compose', 'kill', '-s', 'HUP', ...services];
  return null; // insecure: nothing serves the certificate
}

/** The exact line a person runs, e.g. `cd /srv/registry && docker compose restart registry`. */
export function reloadCommand(dir: string, mode: Mode, recreate = false, mirrors: readonly TlsMirror[] = []): string | null {
  const args = reloadArgs(dir, mode, recreate, mirrors);
  return args && `cd ${shellCommand([dir])} && ${shellCommand(['docker', ...args])}`;
}

/**
 * The same, done through the stack interface (what `reloadCommand` prints is what it
 * runs): false when nothing serves the certificate (insecure mode).
 */
export function reloadStack(stack: StackControl, mode: Mode, recreate = false, mirrors: readonly TlsMirror[] = []): boolean {
  if (recreate) stack.up();
  else if (mode === 'proxy') stack.reloadNginx();
  else {
    if (mode === 'tls') restartRegistry(stack);
    for (const m of mirrors) stack.restartInPlace(m.service, m.config);
    return mode === 'tls' || mirrors.length > 0;
  }
  return true;
}
