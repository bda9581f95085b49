/** What a registry's 401 asks for: `WWW-Authenticate: Basic realm="registry"` or `Bearer realm=…,service=…,scope=…`. */
export type Challenge =
  | { scheme: 'basic' }
  | { scheme: 'bearer'; realm: string; service?: string; scope?: string }
  | { scheme: 'unknown'; text: string };

/** Credentials and where they came from: the source is named in errors, the password never. */
export interface Credentials {
  username: string;
  password: string;
  source: string;
}

/** Parses one challenge (registries send one): quoted values may hold commas, as a scope with two actions does. */
export function parseChallenge(header: string | string[] | undefined): Challenge {
  const text = (Array.isArray(header) ? header[0] : header)?.trim() ?? '';
  const m = /^(\S+)\s*(.*)$/.exec(text);
  const scheme = m?.[1]?.toLowerCase();
  if (scheme === 'basic') return { scheme: 'basic' };
  if (scheme !== 'bearer') return { scheme: 'unknown', text };
  const params: Record<string, string> = {};
  for (const p of (m?.[2] ?? '').matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  }
  if (!params.realm) return { scheme: 'unknown', text };
  return { scheme: 'bearer', realm: params.realm, ...(params.service && { service: params.service }), ...(params.scope && { scope: params.scope }) };
}

export function basicAuthorization(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

/** The token endpoint's URL for a challenge (distribution's token spec: GET realm?service=…&scope=…). */
export function tokenUrl(ch: Extract<Challenge, { scheme: 'bearer' }>): URL {
  const url = new URL(ch.realm);
  if (ch.service) url.searchParams.set('service', ch.service);
  for (const s of ch.scope?.split(' ').filter(Boolean) ?? []) url.searchParams.append('scope', s);
  return url;
}

/** The token from a token server's answer: `token`, or the OAuth2 spelling `access_token`. */
export function tokenOf(body: unknown): string | null {
  const b = body as { token?: unknown; access_token?: unknown } | null;
  const t = typeof b?.token === 'string' ? b.token : typeof b?.access_token === 'string' ? b.access_token : null;
  return t && t.length > 0 ? t : null;
}

/**
 * The key a bearer token is cached under: the challenge's scope when it named
 * one, else what the request touches, so a repository's pull token is reused
 * for every tag and manifest in it.
 */
export function scopeKey(method: string, path: string): string {
  const m = /^\/v2\/(.+)\/(?:manifests|blobs|tags)\//.exec(path);
  if (!m) return path.startsWith('/v2/_catalog') ? 'registry:catalog:*' : 'registry:base';
  return `repository:${m[1]}:${method === 'DELETE' ? 'delete' : 'pull'}`;
}
