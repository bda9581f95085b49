import { Worker } from 'node:worker_threads';
import { FailError } from '../errors.js';

/**
 * A client's view of a registry that restarts: it asks GET /v2/ every few
 * milliseconds and records when answers stop and start again. It runs on a thread of
 * its own because the stack's calls block this one (stack-control.ts), and a restart
 * is exactly when it must keep counting. Any HTTP answer counts (401 included): the
 * question is whether a client can connect, not whether it may. Where a proxy in front
 * (docker's userland proxy) accepts the connection for a registry that is down, no
 * HTTP answer comes, so that counts as down too.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { scheme, host, port, intervalMs } = workerData;
const client = require(scheme === 'https' ? 'node:https' : 'node:http');
let stopped = false;
parentPort.on('message', (m) => { if (m === 'stop') stopped = true; });
const once = () => new Promise((resolve) => {
  const req = client.get({ host, port, path: '/v2/', rejectUnauthorized: false, agent: false, timeout: 300 }, (res) => { res.resume(); resolve(true); });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => resolve(false));
});
(async () => {
  while (!stopped) {
    const started = Date.now();
    const up = await once();
    parentPort.postMessage({ up, started, ended: Date.now() });
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  parentPort.postMessage('stopped');
})();
`;

interface Sample {
  up: boolean;
  started: number;
  ended: number;
}

export interface OutageProbe {
  /**
   * Resolves at the first answer to a request sent at or after `since` (ms epoch). The
   * caller's thread may have been blocked meanwhile: only requests sent after the
   * restart returned say anything about the new instance.
   */
  waitUp(since: number, timeoutMs: number): Promise<void>;
  /** Stops the thread; each outage from its first failed request to the next answer, in ms. */
  stop(): Promise<{ outagesMs: number[]; requests: number }>;
}

export function startOutageProbe(target: { scheme: 'http' | 'https'; host: string; port: number }, intervalMs = 20): OutageProbe {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ...target, intervalMs } });
  worker.unref();
  const samples: Sample[] = [];
  const waiters = new Set<() => void>();
  let ended: Promise<void> | null = null;
  worker.on('message', (m: Sample | 'stopped') => {
    if (m === 'stopped') return;
    samples.push(m);
    for (const w of waiters) w();
  });
  const outages = (): number[] => {
    const out: number[] = [];
    let downSince: number | null = null;
    for (const s of samples) {
      if (!s.up && downSince === null) downSince = s.started;
      if (s.up && downSince !== null) {
        out.push(s.ended - downSince);
        downSince = null;
      }
    }
    // Still down when the probe stopped: counted up to its last request, never dropped.
    if (downSince !== null) out.push(samples.at(-1)!.ended - downSince);
    return out;
  };
  return {
    waitUp: (since, timeoutMs) => new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!samples.some((s) => s.up && s.started >= since)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new FailError(`the registry at ${target.host}:${target.port} did not answer within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      waiters.add(check);
      check();
    }),
    stop: async () => {
      ended ??= new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
        setTimeout(() => void worker.terminate(), 1000).unref();
      });
      await ended;
      return { outagesMs: outages(), requests: samples.length };
    },
  };
}
