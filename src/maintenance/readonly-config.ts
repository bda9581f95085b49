import { parseDocument } from 'yaml';
import { FailError } from '../errors.js';
import { CONTAINER_BUNDLE, CONTAINER_CURRENT, GEN_DIR } from '../bundle/layout.js';
import { createHash } from 'node:crypto';
import { PROXY_UPSTREAM_PORT } from '../render/registry-config.js';

/** In proxy mode, the read-only instance's config, in the maintenance generation only. */
export const READONLY_CONFIG = 'maintenance/config-readonly.yml';
export const CONTAINER_READONLY_CONFIG = `${CONTAINER_CURRENT}/${READONLY_CONFIG}`;

/** Where a container sees a given generation's config.yml: gc runs with the normal one, whatever is current. */
export const containerConfigOf = (generation: string) => `${CONTAINER_BUNDLE}/${GEN_DIR}/${generation}/config.yml`;

/**
 * The bundle's own config.yml with storage.maintenance.readonly.enabled set: every
 * other key (storage, hand edits, comments) stays as it is, so the read-only registry
 * serves exactly what the normal one does. The registry then answers every write with
 * its read-only error while it still serves every read.
 */
export function readOnlyConfig(configText: string, file = 'config.yml'): string {
  const doc = parseDocument(configText);
  if (doc.errors.length > 0) throw new FailError(`${file} is not valid YAML (${doc.errors[0]!.message.split('\n')[0]}): gc cannot make a read-only copy of it`);
  if (!doc.has('storage')) throw new FailError(`${file} has no storage section: gc cannot tell what to collect`);
  doc.setIn(['storage', 'maintenance', 'readonly', 'enabled'], true);
  return `# registry-setup gc: the bundle's config.yml, read-only while garbage-collect runs.\n${doc.toString()}`;
}

export const NORMAL_UPSTREAM = `registry:${PROXY_UPSTREAM_PORT}`;

/**
 * proxy mode: the read-only instance is a one-off container of the registry service
 * (`docker compose run`: its image, mounts and network, no ports, and not the service's
 * name, so `registry` still means the registry alone). nginx reaches it by container
 * name, which must be unique on the engine: one per bundle directory.
 */
export const readonlyContainerName = (dir: string): string => `registry-setup-readonly-${createHash('sha256').update(dir).digest('hex').slice(0, 10)}`;
export const readonlyUpstream = (container: string): string => `${container}:${PROXY_UPSTREAM_PORT}`;

/**
 * The bundle's nginx conf with its upstream moved from the registry to the read-only
 * instance; nothing else changes (hand edits included). Exactly one `server
 * registry:5000;` line must be there, or the switch would be a guess. The other
 * instances of a --replicas bundle (`server registry-N:PORT;`) leave the upstream too:
 * they still write, and gc must not run while anything can.
 */
export function pointUpstreamAt(conf: string, container: string, file = 'nginx/registry.conf'): string {
  const line = new RegExp(`(^\\s*server\\s+)${NORMAL_UPSTREAM.replace('.', '\\.')}(\\s*;)`, 'gm');
  const found = conf.match(line)?.length ?? 0;
  if (found !== 1) {
    throw new FailError(`${file} has ${found === 0 ? 'no' : found} \`server ${NORMAL_UPSTREAM};\` upstream line${found === 0 ? '' : 's'} (edited by hand?), so gc cannot switch nginx to the read-only registry; nothing was changed`);
  }
  return conf.replace(line, `$1${readonlyUpstream(container)}$2`).replace(/^\s*server\s+registry-\d+:\d+\s*;[^\n]*\n/gm, '');
}
