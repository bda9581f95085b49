import { createHash } from 'node:crypto';
import https from 'node:https';

/**
 * Clients pulling all the time: each loop GETs a manifest and then one of its blobs
 * through the registry's real address, with basic auth and only ca.crt trusted, and
 * checks the bytes (a 200 with the wrong body is a failure too). Half the loops keep
 * their connections alive, as docker does; half dial anew each time.
 *
 * Like Go's HTTP transport (docker, containerd, skopeo), a GET that fails on a reused
 * keep-alive connection before any answer is sent again once on a new one: a server
 * may close an idle connection at the instant a request goes out on it (nginx does so
 * on every graceful reload), and HTTP/1.1 leaves that retry to the client. Those
 * retries are counted apart; a request that fails on a fresh connection is a failure.
 */
export interface PullTarget {
  port: number;
  ca: string;
  user: string;
  password: string;
  repo: string;
  manifestDigest: string;
  blobDigest: string;
}

export interface PullStats {
  attempts: number;
  /** GETs sent again after a reused connection was closed under them (see above). */
  staleRetries: number;
  failures: { at: number; what: string }[];
  /** From the first failure to the last answer after it: how long clients saw the registry gone (tls mode). */
  spans: number[];
}

const MANIFEST_TYPES = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

class StaleConnection extends Error {}

function get(t: PullTarget, path: string, agent: https.Agent | false, accept?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = https.get({
      host: '127.0.0.1', port: t.port, path, ca: t.ca, agent, timeout: 10_000,
      auth: `${t.user}:${t.password}`, headers: accept ? { accept } : {},
    }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${path}: HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: timed out`)));
    req.on('error', (err) => reject(req.reusedSocket && !answered ? new StaleConnection(err.message) : err));
  });
}

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export function startPullLoop(t: PullTarget, loops = 4): { stop(): Promise<PullStats> } {
  const stats: PullStats = { attempts: 0, staleRetries: 0, failures: [], spans: [] };
  let running = true;
  let downSince: number | null = null;
  const one = async (path: string, digest: string, agent: https.Agent | false, accept?: string) => {
    stats.attempts++;
    const started = Date.now();
    try {
      const body = await get(t, path, agent, accept).catch((err: unknown) => {
        if (!(err instanceof StaleConnection)) throw err;
        stats.staleRetries++;
        return get(t, path, agent, accept);
      });
      if (digestOf(body) !== digest) throw new Error(`${path}: wrong bytes`);
      if (downSince !== null) stats.spans.push(Date.now() - downSince);
      downSince = null;
    } catch (err) {
      stats.failures.push({ at: started, what: (err as Error).message });
      downSince ??= started;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const loop = async (keepAlive: boolean) => {
    const agent = keepAlive ? new https.Agent({ keepAlive: true, ca: t.ca }) : false;
    while (running) {
      await one(`/v2/${t.repo}/manifests/${t.manifestDigest}`, t.manifestDigest, agent, MANIFEST_TYPES);
      await one(`/v2/${t.repo}/blobs/${t.blobDigest}`, t.blobDigest, agent);
    }
    if (agent) agent.destroy();
  };
  const all = Promise.all(Array.from({ length: loops }, (_, i) => loop(i % 2 === 0)));
  return {
    stop: async () => {
      running = false;
      await all;
      return stats;
    },
  };
}
