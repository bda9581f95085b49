import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { startStack } from '../test/e2e/support/compose-stack.js';
import { freePort } from '../test/e2e/support/net.js';
import { hashPassword } from '../src/render/htpasswd.js';
import type { BenchRow } from './report.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const PASSWORD = 'bench-only-password';

/** wrk with 8 connections on /v2/ with basic auth, as FACTS.md measured; requests per second. */
async function wrk(port: number, seconds: number): Promise<number> {
  const auth = Buffer.from(`bench:${PASSWORD}`).toString('base64');
  const r = await execa('wrk', ['-t2', '-c8', `-d${seconds}s`, '-H', `Authorization: Basic ${auth}`, `https://127.0.0.1:${port}/v2/`]);
  if (/Non-2xx/.test(r.stdout)) throw new Error(`wrk saw errors, so the rate is not of authenticated requests:\n${r.stdout}`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
}

/**
 * Authenticated throughput of the generated tls and proxy stacks at our bcrypt
 * cost, against the same stack with a cost-10 hash (Go's bcrypt default), in
 * the same run. Reported as time per request so that lower is better.
 */
export async function benchRps(seconds = 5): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'rs-bench-rps-'));
  const rows: BenchRow[] = [];
  try {
    for (const mode of ['tls', 'proxy'] as const) {
      const port = await freePort();
      const dir = join(root, mode);
      await execa(process.execPath, [CLI, 'init', '--dir', dir, '--mode', mode, '--host', '127.0.0.1', '--port', String(port),
        '--user', 'bench', '--password-stdin', '--json'], { input: PASSWORD });
      const htpasswd = join(dir, 'auth/htpasswd');
      const stack = await startStack(dir);
      try {
        const ours = await wrk(port, seconds);
        writeFileSync(htpasswd, `bench:${hashPassword(PASSWORD, 10)}\n`); // the registry re-reads it on mtime change
        await new Promise((r) => setTimeout(r, 1500));
        const ref = await wrk(port, seconds);
        rows.push({
          name: `authenticated /v2/ requests, ${mode} mode`, ours: 'bcrypt cost 5 (ours)', oursMedianMs: 1000 / ours,
          reference: 'bcrypt cost 10', referenceMedianMs: 1000 / ref, ratio: ref / ours, target: 1,
          note: `${ours.toFixed(0)} req/s at cost 5 vs ${ref.toFixed(1)} req/s at cost 10 (wrk -c8, ${seconds}s each)`,
        });
      } finally {
        await stack.stop();
      }
    }
    return rows;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
