import { UsageError } from '../errors.js';
import { DEFAULT_AUTH_PORT } from '../auth/auth-config.js';
import type { BundleState } from '../bundle/state.js';
import { mainAddress } from '../pki/hosts.js';
import { parseMirrorValue, type MirrorRecord } from './upstreams.js';

/** The first port a mirror takes when none is given; the next mirrors take the next free ones. */
export const DEFAULT_MIRROR_PORT = 5010;

/**
 * A stable name per upstream, for the compose service, its config directory, its
 * storage and its env file: the upstream with every character a compose service
 * name or a file name could trip on turned into '-' (docker.io → docker-io).
 */
export const mirrorSlug = (upstream: string): string => upstream.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
export const mirrorService = (m: Pick<MirrorRecord, 'upstream'>): string => `mirror-${mirrorSlug(m.upstream)}`;

/** One mirror as ls, init, status and the JSON outputs show it: where nodes reach it, and its compose service. */
export const describeMirror = (state: Pick<BundleState, 'hosts'>, m: MirrorRecord) => ({
  upstream: m.upstream, url: m.url, port: m.port, address: mainAddress(state.hosts, m.port), service: mirrorService(m),
});

/** Where each mirror's files live: its config in the generation, its env in the .env store, its cache beside data/. */
export const MIRROR_DIR = 'mirrors';
export const MIRROR_DATA_DIR = 'mirror-data';
export const mirrorConfigPath = (m: Pick<MirrorRecord, 'upstream'>): string => `${MIRROR_DIR}/${mirrorSlug(m.upstream)}/config.yml`;
export const mirrorEnvPath = (m: Pick<MirrorRecord, 'upstream'>): string => `env/${mirrorService(m)}.env`;
export const mirrorDataPath = (m: Pick<MirrorRecord, 'upstream'>): string => `${MIRROR_DATA_DIR}/${mirrorSlug(m.upstream)}`;

/** Ports the bundle already serves on: the registry's, and the token server's in tls mode (5001 by default). */
function takenPorts(state: Pick<BundleState, 'port' | 'authPort' | 'mode'>, mirrors: readonly MirrorRecord[]): Map<number, string> {
  const taken = new Map<number, string>([[state.port, "the registry's port"]]);
  if (state.authPort !== undefined) taken.set(state.authPort, "the token server's port");
  for (const m of mirrors) taken.set(m.port, `the ${m.upstream} mirror's port`);
  return taken;
}

/**
 * New mirrors for these upstreams, checked against the ones the bundle has: a duplicate,
 * or a port the bundle serves on, is one line naming the flag. Without a port, each takes
 * the next free one from `firstPort` (5010), skipping 5001, which the token server takes
 * whenever a bundle has one.
 */
export function planNewMirrors(
  state: Pick<BundleState, 'port' | 'authPort' | 'mode'> & { mirrors?: MirrorRecord[] },
  values: readonly string[],
  opts: { firstPort?: number; explicitPort?: boolean; label?: string; portLabel?: string } = {},
): MirrorRecord[] {
  const label = opts.label ?? '--mirror';
  const portLabel = opts.portLabel ?? '--mirror-port';
  const all = [...(state.mirrors ?? [])];
  const taken = takenPorts(state, all);
  let next = opts.firstPort ?? DEFAULT_MIRROR_PORT;
  if (opts.explicitPort && taken.has(next)) throw new UsageError(`${portLabel} ${next} is ${taken.get(next)}: pick another`);
  const added: MirrorRecord[] = [];
  for (const value of values) {
    const { upstream, url } = parseMirrorValue(value, label);
    if (all.some((m) => m.upstream === upstream)) throw new UsageError(`${label} ${upstream}: the bundle mirrors it already${state.mirrors?.some((m) => m.upstream === upstream) ? ' (registry-setup mirror rm it first to change it)' : ''}`);
    if (all.some((m) => mirrorService(m) === mirrorService({ upstream }))) throw new UsageError(`${label} ${upstream}: its service name ${mirrorService({ upstream })} is another mirror's`);
    while (taken.has(next) || (!opts.explicitPort && next === DEFAULT_AUTH_PORT)) next++;
    if (next > 65535) throw new UsageError(`${portLabel}: no free port left for ${upstream}`);
    const m = { upstream, url, port: next };
    taken.set(next, `the ${upstream} mirror's port`);
    all.push(m);
    added.push(m);
  }
  return added;
}

export interface MirrorCredentials {
  username: string;
  password: string;
}

/**
 * `--mirror-credentials-stdin`: a user line and a password line. The env file is read by
 * docker compose v1 (values taken literally) and v2 (quotes and $ interpreted), so only
 * values both read alike are taken: no quotes, $, backslash, spaces or control characters.
 */
export function parseMirrorCredentials(text: string, label = '--mirror-credentials-stdin'): MirrorCredentials {
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  if (lines.length !== 2) throw new UsageError(`${label} reads exactly two lines, the upstream user and then its password (got ${lines.length})`);
  const [username, password] = lines as [string, string];
  for (const [what, v] of [['user', username], ['password', password]] as const) {
    if (v === '') throw new UsageError(`${label}: the ${what} line is empty`);
    // eslint-disable-next-line no-control-regex
    if (/[\s"'`$\\\x00-\x1f\x7f]/.test(v)) throw new UsageError(`${label}: the ${what} has a space, quote, $, backslash or control character, which docker compose's env files read differently across versions`);
  }
  return { username, password };
}

/** The env file compose hands to the mirror's container (env_file): the only place the credentials are written. */
export const renderMirrorEnv = (c: MirrorCredentials): string =>
  `# Written by registry-setup: the upstream login of this mirror, read by docker compose (env_file).\nREGISTRY_PROXY_USERNAME=${c.username}\nREGISTRY_PROXY_PASSWORD=${c.password}\n`;

/** What a person is told once credentials are kept: the mirror serves what they can read to anyone it serves. */
export const credentialsWarning = (m: MirrorRecord): string =>
  `anyone who can pull from the ${m.upstream} mirror can read whatever its upstream credentials can read (private repositories included)`;
