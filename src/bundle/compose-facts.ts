import { SERVE_IN_PLACE } from './layout.js';
import { parse } from 'yaml';

/** What later commands need to know of a bundle's docker-compose.yml, read from its text. */
export interface ComposeFacts {
  /** The registry service's image: what really runs, whatever the record says. */
  registryImage: string | null;
  /** The registry reads the bundle through the .gen mount (a bundle written before generations does not). */
  mountsGenerations: boolean;
  /** `docker compose kill -s HUP registry` restarts the registry in place (this release's entry shell). */
  restartsInPlace: boolean;
}

export function readComposeFacts(text: string): ComposeFacts {
  let data: unknown;
  try {
    data = parse(text);
  } catch {
    data = null;
  }
  const services = (data as { services?: Record<string, { image?: unknown; volumes?: unknown; entrypoint?: unknown }> } | null)?.services ?? {};
  const registry = services.registry;
  const volumes = Array.isArray(registry?.volumes) ? registry.volumes : [];
  return {
    registryImage: typeof registry?.image === 'string' ? registry.image : null,
    mountsGenerations: volumes.some((vol) => typeof vol === 'string' && vol.startsWith('./.gen:')),
    restartsInPlace: Array.isArray(registry?.entrypoint) && registry.entrypoint.at(-1) === SERVE_IN_PLACE,
  };
}
