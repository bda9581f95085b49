import { join } from 'node:path';

/** The parts of the Docker client's config.json that hold credentials. */
export interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string } | undefined>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** $DOCKER_CONFIG/config.json, else ~/.docker/config.json: where `docker login` writes. */
export function dockerConfigFile(env: NodeJS.ProcessEnv, home: string): string {
  return env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, 'config.json') : join(home, '.docker', 'config.json');
}

/**
 * docker login stores keys as "host:port", older clients as "https://host:port/v1/";
 * both name the same registry. :443 is implied, as in image references.
 */
export function normalizeRegistryKey(key: string): string {
  const bare = key.trim().toLowerCase().replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
  return bare.endsWith(':443') ? bare.slice(0, -4) : bare;
}

export interface ConfigLookup {
  /** A credential helper to ask first: credHelpers[registry] wins over credsStore, as in docker. */
  helper: string | null;
  /** The inline `auths` entry, when it holds a usable user and password. */
  inline: { username: string; password: string; key: string } | null;
  /** The entry holds only an identity token (an OAuth refresh token), which basic auth cannot use. */
  tokenOnly: boolean;
}

function decodeAuth(auth: string): { username: string; password: string } | null {
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon > 0 ? { username: text.slice(0, colon), password: text.slice(colon + 1) } : null;
}

/** What the config says about `address` ("host:port", as parseRegistryAddress spells it). */
export function lookupDockerConfig(config: DockerConfig, address: string): ConfigLookup {
  const want = normalizeRegistryKey(address);
  const helperKey = Object.keys(config.credHelpers ?? {}).find((k) => normalizeRegistryKey(k) === want);
  const helper = (helperKey && config.credHelpers?.[helperKey]) || config.credsStore || null;
  let inline: ConfigLookup['inline'] = null;
  let tokenOnly = false;
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!entry || normalizeRegistryKey(key) !== want) continue;
    const pair = entry.auth ? decodeAuth(entry.auth) : entry.username && entry.password ? { username: entry.username, password: entry.password } : null;
    if (pair) {
      inline = { ...pair, key };
      break;
    }
    if (entry.identitytoken) tokenOnly = true;
  }
  return { helper, inline, tokenOnly };
}

/** A helper's answer to `get` ({"ServerURL","Username","Secret"}); "<token>" users carry identity tokens, not passwords. */
export function parseHelperAnswer(stdout: string): { username: string; password: string } | null {
  try {
    const a = JSON.parse(stdout) as { Username?: unknown; Secret?: unknown };
    if (typeof a.Username !== 'string' || typeof a.Secret !== 'string' || !a.Username || !a.Secret || a.Username === '<token>') return null;
    return { username: a.Username, password: a.Secret };
  } catch {
    return null;
  }
}
