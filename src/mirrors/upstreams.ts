import { UsageError } from '../errors.js';
import { parseHost } from '../pki/hosts.js';

/**
 * The upstreams a mirror can name by themselves, and where each is fetched from.
 * docker.io's registry API lives on registry-1.docker.io: docker.io itself serves
 * the website, so a proxy pointed at it gets HTML, not manifests.
 */
export const KNOWN_UPSTREAMS: Readonly<Record<string, string>> = {
  'docker.io': 'https://registry-1.docker.io',
  'ghcr.io': 'https://ghcr.io',
  'quay.io': 'https://quay.io',
  'registry.k8s.io': 'https://registry.k8s.io',
  'gcr.io': 'https://gcr.io',
};

/** One pull-through cache: a registry service of its own that proxies one upstream. */
export interface MirrorRecord {
  /** The registry name image references use for the upstream: docker.io, ghcr.io, … */
  upstream: string;
  /** Where the mirror fetches from (proxy.remoteurl). */
  url: string;
  /** The port nodes reach it on, at the bundle's main address, with the bundle's server certificate. */
  port: number;
}

const shown = (v: unknown) => JSON.stringify(v);

/**
 * `--mirror UPSTREAM`: a known name, or NAME=https://URL, which names any other
 * registry or overrides where a known one is fetched from.
 */
export function parseMirrorValue(value: unknown, label = '--mirror'): { upstream: string; url: string } {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${label} ${shown(value)} must name an upstream (${Object.keys(KNOWN_UPSTREAMS).join(', ')}) or be NAME=https://URL`);
  const eq = value.indexOf('=');
  const name = (eq < 0 ? value : value.slice(0, eq)).trim().toLowerCase();
  if (eq < 0) {
    const url = KNOWN_UPSTREAMS[name];
    if (!url) throw new UsageError(`${label} ${shown(value)} is not a known upstream (${Object.keys(KNOWN_UPSTREAMS).join(', ')}); name any other as NAME=https://URL`);
    return { upstream: name, url };
  }
  return { upstream: parseUpstreamName(name, label, value), url: parseUpstreamUrl(value.slice(eq + 1).trim(), label, value) };
}

/** The name is what image references start with, so it is a host, with an optional port. */
function parseUpstreamName(name: string, label: string, raw: string): string {
  const m = /^(.+?)(?::(\d{1,5}))?$/.exec(name);
  try {
    const host = parseHost(m?.[1] ?? '', label);
    if (host.value.startsWith('*')) throw new UsageError('a wildcard');
    const port = m?.[2] === undefined ? undefined : Number(m[2]);
    if (port !== undefined && (port < 1 || port > 65535)) throw new UsageError('port');
    return port === undefined ? host.value : `${host.value}:${port}`;
  } catch {
    throw new UsageError(`${label} ${shown(raw)}: ${shown(name)} is not a registry name (a host, like ghcr.io or registry.lan:5000)`);
  }
}

function parseUpstreamUrl(text: string, label: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${label} ${shown(raw)}: ${shown(text)} is not a URL (like https://registry.example.com)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`${label} ${shown(raw)}: the upstream URL must be http or https`);
  if (url.username || url.password) throw new UsageError(`${label} ${shown(raw)}: credentials do not belong in the URL; pass them with --mirror-credentials-stdin`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) throw new UsageError(`${label} ${shown(raw)}: the upstream URL is a registry's root, with no path`);
  return url.origin;
}

/** A record's mirrors list, checked with the flag's rules (bundle/read-state.ts). */
export function parseMirrorRecords(value: unknown, label: string): MirrorRecord[] {
  if (!Array.isArray(value)) throw new UsageError(`${label} must be a list of mirrors`);
  const seen = new Set<string>();
  const ports = new Set<number>();
  return value.map((item, i) => {
    const at = `${label}[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new UsageError(`${at} must be a map with upstream, url and port`);
    const r = item as Record<string, unknown>;
    const { upstream, url } = parseMirrorValue(`${String(r.upstream)}=${String(r.url)}`, at);
    const port = typeof r.port === 'number' && Number.isInteger(r.port) && r.port >= 1 && r.port <= 65535 ? r.port : NaN;
    if (Number.isNaN(port)) throw new UsageError(`${at}.port ${shown(r.port)} must be a whole number from 1 to 65535`);
    if (seen.has(upstream)) throw new UsageError(`${at}: ${upstream} is mirrored twice`);
    if (ports.has(port)) throw new UsageError(`${at}.port ${port} is already another mirror's`);
    seen.add(upstream);
    ports.add(port);
    return { upstream, url, port };
  });
}
