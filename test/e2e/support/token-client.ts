import https from 'node:https';

/** A minimal token-auth client, for what skopeo cannot show: the realm a 401 names, and the catalog. */

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function httpsGet(url: string, ca: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

/** `Bearer realm="…",service="…"` as a map. */
export function parseChallenge(header: string | string[] | undefined): Record<string, string> {
  const text = Array.isArray(header) ? header[0] ?? '' : header ?? '';
  return Object.fromEntries([...text.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

/** GET `path` on the registry as `creds`: the 401 names the realm, the realm gives a token for `scope`, the token is sent. */
export async function getWithToken(registry: string, path: string, scope: string, ca: string, creds: { username: string; password: string }): Promise<HttpResult> {
  const first = await httpsGet(`https://${registry}${path}`, ca);
  if (first.status !== 401) return first;
  const c = parseChallenge(first.headers['www-authenticate']);
  const basic = Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
  const tokenUrl = `${c.realm}?service=${encodeURIComponent(c.service ?? '')}&scope=${encodeURIComponent(scope)}`;
  const t = await httpsGet(tokenUrl, ca, { authorization: `Basic ${basic}` });
  if (t.status !== 200) return t;
  const token = (JSON.parse(t.body) as { token?: string; access_token?: string });
  return httpsGet(`https://${registry}${path}`, ca, { authorization: `Bearer ${token.token ?? token.access_token}` });
}
