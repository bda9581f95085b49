import { Agent, getGlobalDispatcher, request, type Dispatcher } from 'undici';
import { basicAuthorization, parseChallenge, scopeKey, tokenOf, tokenUrl, type Challenge, type Credentials } from './auth.js';
import { describeConnectionError, describeHttpError, RegistryError, type RequestContext } from './errors.js';
import { createLimit } from './limit.js';
import type { RegistryTarget } from './target.js';

/** Where credentials come from, asked only when the registry first says 401 (an insecure registry never does). */
export interface CredentialSource {
  get(): Promise<Credentials | null>;
  /** The error for "asked, and there are none": a usage error naming --password-stdin. */
  missing(): Error;
}

export interface HttpOptions {
  concurrency: number;
  timeoutMs: number;
  userAgent?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The URL that answered, after redirects (pagination links resolve against it). */
  url: URL;
}

export interface SendOptions {
  accept?: string;
  /** Statuses handed back to the caller instead of thrown as a RegistryError (2xx always are). */
  allow?: number[];
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * The one HTTP path to a registry: an undici Agent that trusts only the target's
 * CA, at most `concurrency` requests in flight, a deadline per request, and
 * authentication learnt from the registry's own challenge. Basic credentials are
 * then sent up front; a Bearer challenge is answered with a token per scope,
 * fetched with the same credentials (distribution's token spec).
 */
export class RegistryHttp {
  private readonly agent: Agent;
  private readonly limit: ReturnType<typeof createLimit>;
  private creds: Promise<Credentials | null> | undefined;
  private basic: string | null = null;
  /** The registry answered with a Bearer challenge: tokens per scope replace basic credentials. */
  private bearer = false;
  private readonly tokens = new Map<string, Promise<string>>();
  private user: Credentials | null = null;

  constructor(readonly target: RegistryTarget, private readonly credentials: CredentialSource, private readonly opts: HttpOptions) {
    this.agent = new Agent({
      connections: opts.concurrency,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connect: { timeout: opts.timeoutMs, ...(target.caPem && { ca: target.caPem }) },
    });
    this.limit = createLimit(opts.concurrency);
  }

  /** Who the requests run as ("alice, from --password-stdin"), once known. */
  get identity(): { name: string; source: string } | null {
    return this.user && { name: this.user.username, source: this.user.source };
  }

  send(method: string, path: string, opts: SendOptions = {}): Promise<HttpResponse> {
    return this.limit(() => this.sendAuthenticated(method, new URL(path, this.target.url), opts));
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private context(method: string, url: URL): RequestContext {
    return { address: this.target.address, method, path: url.pathname, user: this.identity, trust: this.target.trust };
  }

  private async sendAuthenticated(method: string, url: URL, opts: SendOptions): Promise<HttpResponse> {
    const key = scopeKey(method, url.pathname);
    const sent = await this.authorization(key);
    let res = await this.exchange(method, url, opts, sent);
    if (res.status === 401) {
      const retry = await this.answerChallenge(parseChallenge(res.headers['www-authenticate']), key, sent);
      if (retry) res = await this.exchange(method, url, opts, retry);
    }
    if ((res.status >= 200 && res.status < 300) || opts.allow?.includes(res.status)) return res;
    // With a fresh token, a second 401 means the token lacks the scope: the user may not do this.
    const status = res.status === 401 && this.bearer ? 403 : res.status;
    throw describeHttpError(this.context(method, res.url), status, res.body.toString('utf8'), res.headers);
  }

  private async authorization(key: string): Promise<string | null> {
    if (!this.bearer) return this.basic;
    const token = this.tokens.get(key);
    return token ? `Bearer ${await token}` : null;
  }

  /**
   * The header to retry with, or null when retrying cannot help (these credentials
   * were just refused). Parallel requests share one credential lookup and one token
   * fetch per scope; a token that was sent and refused (expired) is fetched anew.
   */
  private async answerChallenge(ch: Challenge, key: string, sent: string | null): Promise<string | null> {
    if (ch.scheme === 'bearer') {
      this.bearer = true;
      const cached = this.tokens.get(key);
      if (!cached || `Bearer ${await cached}` === sent) this.tokens.set(key, this.fetchToken(ch));
      return `Bearer ${await this.tokens.get(key)}`;
    }
    if (ch.scheme !== 'basic' || (sent !== null && sent === this.basic)) return null;
    const creds = await this.resolveCredentials();
    if (!creds) throw this.credentials.missing();
    this.basic = basicAuthorization(creds);
    return this.basic;
  }

  private resolveCredentials(): Promise<Credentials | null> {
    this.creds ??= this.credentials.get().then((c) => (this.user = c));
    return this.creds;
  }

  /** GET realm?service&scope, with basic credentials when there are any (anonymous pulls get a token too). */
  private async fetchToken(ch: Extract<Challenge, { scheme: 'bearer' }>): Promise<string> {
    const creds = await this.resolveCredentials();
    const url = tokenUrl(ch);
    const res = await this.exchange('GET', url, {}, creds && basicAuthorization(creds));
    const ctx = { ...this.context('GET', url), address: `the token server ${url.host}` };
    if (res.status !== 200) throw describeHttpError(ctx, res.status, res.body.toString('utf8'), res.headers);
    let token: string | null = null;
    try {
      token = tokenOf(JSON.parse(res.body.toString('utf8')));
    } catch {
      // not JSON: reported below
    }
    if (!token) throw new RegistryError(`the token server ${url.host} answered without a token`, res.status, null);
    return token;
  }

  /** One request and its whole body, under a deadline. A redirect elsewhere (a storage backend's signed URL) gets no credentials. */
  private async exchange(method: string, first: URL, opts: SendOptions, authorization: string | null): Promise<HttpResponse> {
    let url = first;
    for (let hop = 0; ; hop++) {
      const sameOrigin = url.origin === first.origin;
      const headers: Record<string, string> = { 'user-agent': this.opts.userAgent ?? 'registry-setup' };
      if (opts.accept) headers.accept = opts.accept;
      if (authorization && sameOrigin) headers.authorization = authorization;
      let res: HttpResponse;
      try {
        const signal = AbortSignal.timeout(this.opts.timeoutMs);
        const dispatcher = sameOrigin ? this.agent : getGlobalDispatcher();
        const r = await request(url, { method: method as Dispatcher.HttpMethod, headers, dispatcher, signal });
        const body = method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(await r.body.arrayBuffer());
        if (method === 'HEAD') await r.body.dump();
        res = { status: r.statusCode, headers: r.headers, body, url };
      } catch (err) {
        throw describeConnectionError(this.context(method, url), err, this.opts.timeoutMs);
      }
      const location = res.headers.location;
      if (!REDIRECTS.has(res.status) || typeof location !== 'string' || hop >= 5) return res;
      url = new URL(location, url);
    }
  }
}
