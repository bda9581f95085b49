import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/registry/client.js';
import type { CredentialSource } from '../../src/registry/http.js';
import { MANIFEST_ACCEPT } from '../../src/registry/manifests.js';

/**
 * The client against a scripted HTTP server: what it sends (headers, pages,
 * how many at once) and how it answers challenges. The real registries are in
 * test/e2e; these pin the behaviour they cannot make happen on demand
 * (a token server, a hung request, a redirect elsewhere, the in-flight bound).
 */
type Handler = (req: IncomingMessage, res: ServerResponse, port: number) => void;
const servers: Server[] = [];

async function serve(handler: Handler): Promise<number> {
  const server = createServer((req, res) => handler(req, res, (server.address() as AddressInfo).port));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const ALICE = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
function creds(): CredentialSource & { asked: number } {
  const c = {
    asked: 0,
    get: async () => {
      c.asked++;
      return { username: 'alice', password: 's3cret', source: 'the test' };
    },
    missing: () => new Error('no credentials'),
  };
  return c;
}

const client = (port: number, source: CredentialSource, extra: { concurrency?: number; timeoutMs?: number; pageSize?: number } = {}) =>
  new RegistryClient({ address: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, caPem: null, trust: 'nothing', insecure: true }, source,
    { concurrency: extra.concurrency ?? 4, timeoutMs: extra.timeoutMs ?? 5000, pageSize: extra.pageSize });

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const unauthorized = (res: ServerResponse, challenge: string) =>
  json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'www-authenticate': challenge });

describe('RegistryClient over HTTP', () => {
  it('asks for credentials only on a 401, once, then sends them with every request, page after page', async () => {
    const seen: string[] = [];
    const port = await serve((req, res) => {
      if (req.headers.authorization !== ALICE) return unauthorized(res, 'Basic realm="registry"');
      seen.push(req.url!);
      const last = new URL(req.url!, 'http://x').searchParams.get('last');
      const page = last === null ? ['a', 'b'] : last === 'b' ? ['c', 'd'] : ['e'];
      const next: Record<string, string> = page.length === 2 ? { link: `</v2/_catalog?last=${page[1]}&n=2>; rel="next"` } : {};
      if (req.url === '/v2/') return json(res, 200, {});
      json(res, 200, { repositories: page }, next);
    });
    const source = creds();
    const c = client(port, source, { pageSize: 2 });
    await c.ping();
    expect(await c.catalog()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(source.asked).toBe(1);
    expect(seen).toEqual(['/v2/', '/v2/_catalog?n=2', '/v2/_catalog?last=b&n=2', '/v2/_catalog?last=d&n=2']);
    await c.close();
  });

  it('never asks a registry that wants no credentials', async () => {
    const port = await serve((_req, res) => json(res, 200, {}));
    const source = creds();
    await client(port, source).ping();
    expect(source.asked).toBe(0);
  });

  it('without credentials to give, throws the source\'s own error', async () => {
    const port = await serve((_req, res) => unauthorized(res, 'Basic realm="registry"'));
    await expect(client(port, { get: async () => null, missing: () => new Error('pass --password-stdin') }).ping()).rejects.toThrow('pass --password-stdin');
  });

  it('answers a Bearer challenge with one token per scope, fetched with the same credentials', async () => {
    const tokenRequests: string[] = [];
    const port = await serve((req, res, p) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/token') {
        if (req.headers.authorization !== ALICE) return json(res, 401, { details: 'bad' });
        tokenRequests.push(url.searchParams.getAll('scope').join(' '));
        return json(res, 200, { token: `tok-${url.searchParams.get('scope') ?? 'none'}` });
      }
      const repo = /^\/v2\/(.+)\/manifests\//.exec(url.pathname)?.[1];
      const scope = repo ? `repository:${repo}:pull` : '';
      if (req.headers.authorization !== `Bearer tok-${scope || 'none'}`) {
        return unauthorized(res, `Bearer realm="http://127.0.0.1:${p}/token",service="test"${scope ? `,scope="${scope}"` : ''}`);
      }
      res.writeHead(200, { 'docker-content-digest': 'sha256:' + 'a'.repeat(64) });
      res.end();
    });
    const c = client(port, creds());
    await c.ping();
    await Promise.all(Array.from({ length: 10 }, (_, i) => c.manifestDigest(i % 2 ? 'team/one' : 'team/two', `v${i}`)));
    expect(tokenRequests.sort()).toEqual(['', 'repository:team/one:pull', 'repository:team/two:pull']);
    await c.close();
  });

  it('keeps at most --concurrency requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const port = await serve((_req, res) => {
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { 'docker-content-digest': 'sha256:' + 'b'.repeat(64) });
        res.end();
      }, 20);
    });
    const c = client(port, creds(), { concurrency: 3 });
    await Promise.all(Array.from({ length: 24 }, (_, i) => c.manifestDigest('app', `t${i}`)));
    expect(most).toBe(3);
    await c.close();
  });

  it('gives up on a request that does not answer in time, with one line', async () => {
    const port = await serve(() => {}); // accepts, never answers
    const started = Date.now();
    await expect(client(port, creds(), { timeoutMs: 300 }).ping()).rejects.toThrow(`127.0.0.1:${port} did not answer GET /v2/ within 0.3 s`);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('starts each request\'s clock when it leaves the queue: waiting for a slot never times it out', async () => {
    const port = await serve((_req, res) => setTimeout(() => {
      res.writeHead(200, { 'docker-content-digest': 'sha256:' + 'd'.repeat(64) });
      res.end();
    }, 100));
    // One at a time, 100 ms each: the tenth waits 900 ms, three times its 300 ms deadline.
    const c = client(port, creds(), { concurrency: 1, timeoutMs: 300 });
    const digests = await Promise.all(Array.from({ length: 10 }, (_, i) => c.manifestDigest('app', `t${i}`)));
    expect(digests).toHaveLength(10);
    await c.close();
  });

  it('cuts off a body that trickles in past the deadline', async () => {
    const port = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const tick = setInterval(() => res.write(' '), 50); // never idle long enough for an inactivity timeout
      res.on('close', () => clearInterval(tick));
    });
    const started = Date.now();
    await expect(client(port, creds(), { timeoutMs: 400 }).catalog()).rejects.toThrow(`127.0.0.1:${port} did not answer GET /v2/_catalog within 0.4 s`);
    expect(Date.now() - started).toBeLessThan(3000);
  }, 10_000);

  it('parallel first requests that all meet a 401 ask for credentials once', async () => {
    const port = await serve((req, res) => {
      if (req.headers.authorization !== ALICE) return unauthorized(res, 'Basic realm="registry"');
      res.writeHead(200, { 'docker-content-digest': 'sha256:' + 'e'.repeat(64) });
      res.end();
    });
    const source = creds();
    const c = client(port, source, { concurrency: 8 });
    await Promise.all(Array.from({ length: 8 }, (_, i) => c.manifestDigest('app', `t${i}`)));
    expect(source.asked).toBe(1);
    await c.close();
  });

  it('asks for every manifest type, and digests what was served', async () => {
    let accept: string | undefined;
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] });
    const port = await serve((req, res) => {
      accept = req.headers.accept;
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' });
      res.end(manifest);
    });
    const m = await client(port, creds()).manifest('app', 'v1');
    expect(accept).toBe(MANIFEST_ACCEPT);
    expect(accept?.split(', ').sort()).toEqual([
      'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.docker.distribution.manifest.v2+json',
      'application/vnd.oci.image.index.v1+json', 'application/vnd.oci.image.manifest.v1+json',
    ]);
    expect(m.manifest.kind).toBe('index');
    expect(m.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('follows a blob redirect to storage elsewhere without our credentials', async () => {
    let storageAuth: string | undefined = 'unset';
    const storage = await serve((req, res) => {
      storageAuth = req.headers.authorization;
      res.end('{"created":"2026-01-01T00:00:00Z"}');
    });
    const port = await serve((req, res) => {
      if (req.headers.authorization !== ALICE) return unauthorized(res, 'Basic realm="registry"');
      if (req.url === '/v2/') return json(res, 200, {});
      res.writeHead(307, { location: `http://127.0.0.1:${storage}/signed?x=1` });
      res.end();
    });
    const c = client(port, creds());
    await c.ping();
    expect((await c.blob('app', 'sha256:' + 'c'.repeat(64))).toString()).toContain('2026-01-01');
    expect(storageAuth).toBeUndefined();
    await c.close();
  });
});
