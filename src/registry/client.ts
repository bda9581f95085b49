import { RegistryError } from './errors.js';
import { RegistryHttp, type CredentialSource, type HttpOptions, type HttpResponse } from './http.js';
import { MANIFEST_ACCEPT, parseManifest, sha256Digest, type ParsedManifest } from './manifests.js';
import type { RegistryTarget } from './target.js';

/** `Link: </v2/_catalog?last=b&n=100>; rel="next"` → the next page's URL, resolved against the page that sent it. */
export function nextPageUrl(link: string | string[] | undefined, base: URL): URL | null {
  for (const part of (Array.isArray(link) ? link.join(',') : link ?? '').split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /\brel\s*=\s*"?next"?/i.test(m[2]!)) return new URL(m[1]!, base);
  }
  return null;
}

export interface FetchedManifest {
  /** The digest of the bytes served: what a pull by this reference resolves to. */
  digest: string;
  manifest: ParsedManifest;
  size: number;
}

const repoPath = (repo: string) => repo.split('/').map(encodeURIComponent).join('/');

/**
 * The distribution API calls the commands make, over one RegistryHttp. Every
 * list follows the registry's pagination; every manifest request names all four
 * manifest types, so the digest read is the digest a pull sees.
 */
export class RegistryClient {
  readonly http: RegistryHttp;

  constructor(readonly target: RegistryTarget, credentials: CredentialSource, opts: HttpOptions & { pageSize?: number }) {
    this.http = new RegistryHttp(target, credentials, opts);
    this.pageSize = opts.pageSize;
  }

  private readonly pageSize: number | undefined;

  get address(): string {
    return this.target.address;
  }

  /** GET /v2/: the registry is there, speaks the API, and takes our credentials (asked for here, if it wants them). */
  async ping(): Promise<void> {
    const res = await this.http.send('GET', '/v2/');
    if (!/^registry\/2\.0$/.test(String(res.headers['docker-distribution-api-version'] ?? 'registry/2.0'))) {
      throw new RegistryError(`${this.address} does not speak the registry API (Docker-Distribution-Api-Version: ${res.headers['docker-distribution-api-version']})`, res.status, null);
    }
  }

  /** Every repository name, page after page. */
  catalog(): Promise<string[]> {
    return this.paged('/v2/_catalog', (body) => (body as { repositories?: string[] | null }).repositories ?? []);
  }

  /** Every tag of `repo` (a repository whose tags were all deleted answers null: none). */
  tags(repo: string): Promise<string[]> {
    return this.paged(`/v2/${repoPath(repo)}/tags/list`, (body) => (body as { tags?: string[] | null }).tags ?? []);
  }

  async manifest(repo: string, ref: string): Promise<FetchedManifest> {
    const res = await this.http.send('GET', `/v2/${repoPath(repo)}/manifests/${encodeURIComponent(ref)}`, { accept: MANIFEST_ACCEPT });
    const digest = sha256Digest(res.body);
    if (ref.startsWith('sha256:') && ref !== digest) {
      throw new RegistryError(`${this.address} served ${repo}@${ref} with content whose digest is ${digest}`, res.status, 'DIGEST_INVALID');
    }
    return { digest, manifest: parseManifest(res.body, header(res, 'content-type')), size: res.body.length };
  }

  /** The digest `ref` resolves to, by HEAD (no body); null when there is no such tag or manifest. */
  async manifestDigest(repo: string, ref: string): Promise<string | null> {
    const res = await this.http.send('HEAD', `/v2/${repoPath(repo)}/manifests/${encodeURIComponent(ref)}`, { accept: MANIFEST_ACCEPT, allow: [404] });
    if (res.status === 404) return null;
    const digest = header(res, 'docker-content-digest');
    // Every registry sends it; without it, fetch the body and digest it ourselves.
    return digest ?? (await this.manifest(repo, ref)).digest;
  }

  async blob(repo: string, digest: string): Promise<Buffer> {
    const res = await this.http.send('GET', `/v2/${repoPath(repo)}/blobs/${digest}`);
    return res.body;
  }

  /** DELETE a manifest by digest, or by tag (which 3.x takes as untag); errors are thrown as RegistryError for the caller to read. */
  async deleteManifest(repo: string, ref: string): Promise<void> {
    await this.http.send('DELETE', `/v2/${repoPath(repo)}/manifests/${encodeURIComponent(ref)}`);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async paged<T>(path: string, pick: (body: unknown) => T[]): Promise<T[]> {
    const items: T[] = [];
    let url: URL | null = new URL(path, this.target.url);
    if (this.pageSize) url.searchParams.set('n', String(this.pageSize));
    const origin = url.origin;
    while (url) {
      const res = await this.http.send('GET', url.href);
      let body: unknown;
      try {
        body = JSON.parse(res.body.toString('utf8'));
      } catch {
        throw new RegistryError(`${this.address} answered GET ${url.pathname} with something that is not JSON`, res.status, null);
      }
      items.push(...pick(body));
      url = nextPageUrl(res.headers.link, res.url);
      // Our credentials go only where the registry is.
      if (url && url.origin !== origin) throw new RegistryError(`${this.address} sent a next-page link to another host (${url.origin})`, res.status, null);
    }
    return items;
  }
}

function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
