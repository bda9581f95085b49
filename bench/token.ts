import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { Agent, request, type Dispatcher } from 'undici';
import { startStack } from '../test/e2e/support/compose-stack.js';
import { freePort } from '../test/e2e/support/net.js';
import { MT, sha256, tarOneFile } from '../test/e2e/support/oci-image.js';
import { median, type BenchRow } from './report.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const PASSWORD = 'bench-only-password';
const LAYERS = 10;
const PULLERS = 8;
const REPO = 'bench/ten-layers';
const ACCEPT = `${MT.manifest}, application/vnd.docker.distribution.manifest.v2+json`;

/** A 10-layer OCI layout, byte by byte (each layer one small file), for skopeo to push. */
function tenLayerLayout(dir: string): void {
  const blobs = join(dir, 'blobs/sha256');
  mkdirSync(blobs, { recursive: true });
  const blob = (data: Buffer) => {
    const digest = sha256(data);
    writeFileSync(join(blobs, digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const tars = Array.from({ length: LAYERS }, (_, i) => tarOneFile(`layer-${i}.txt`, Buffer.from(`layer ${i} of the token bench\n`.repeat(64))));
  const layers = tars.map((t) => ({ mediaType: MT.layer, ...blob(gzipSync(t)) }));
  const config = blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: tars.map(sha256) } })));
  const manifest = blob(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.manifest, config: { mediaType: MT.config, ...config }, layers })));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MT.manifest, ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }));
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
}

/**
 * One pull as docker makes it: /v2/ (401, which names the realm), then with token auth
 * one token from the realm (docker_auth checks bcrypt here, once), then the manifest,
 * the config and every layer, each with the token; with htpasswd each of those requests
 * carries the password, and the registry checks bcrypt on every one. Returns the request count.
 */
async function pullOnce(base: string, agent: Dispatcher, basic: string): Promise<number> {
  let requests = 0;
  const get = async (url: string, auth?: string, accept?: string) => {
    requests++;
    const r = await request(url, { dispatcher: agent, headers: { ...(auth && { authorization: auth }), ...(accept && { accept }) } });
    const body = await r.body.arrayBuffer();
    return { status: r.statusCode, headers: r.headers, body: Buffer.from(body) };
  };
  const ping = await get(`${base}/v2/`);
  const challenge = String(ping.headers['www-authenticate'] ?? '');
  let auth = basic;
  if (challenge.startsWith('Bearer')) {
    const p = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const t = await get(`${p.realm}?service=${encodeURIComponent(p.service ?? '')}&scope=${encodeURIComponent(`repository:${REPO}:pull`)}`, basic);
    if (t.status !== 200) throw new Error(`token: HTTP ${t.status}`);
    auth = `Bearer ${(JSON.parse(t.body.toString()) as { token: string }).token}`;
  }
  const m = await get(`${base}/v2/${REPO}/manifests/v1`, auth, ACCEPT);
  if (m.status !== 200) throw new Error(`manifest: HTTP ${m.status}`);
  const manifest = JSON.parse(m.body.toString()) as { config: { digest: string }; layers: { digest: string }[] };
  for (const d of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
    const b = await get(`${base}/v2/${REPO}/blobs/${d}`, auth);
    if (b.status !== 200) throw new Error(`blob: HTTP ${b.status}`);
  }
  return requests;
}

/** PULLERS clients pulling for `seconds`: pulls and requests per second. */
async function pullRate(base: string, caPem: string, seconds: number): Promise<{ pullsPerS: number; rps: number }> {
  const agent = new Agent({ connections: PULLERS, connect: { ca: caPem } });
  const basic = `Basic ${Buffer.from(`bench:${PASSWORD}`).toString('base64')}`;
  let pulls = 0;
  let requests = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(Array.from({ length: PULLERS }, async () => {
    while (performance.now() < end) {
      const n = await pullOnce(base, agent, basic); // awaited first: `requests += await …` would lose concurrent updates
      requests += n;
      pulls++;
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  await agent.close();
  return { pullsPerS: pulls / elapsed, rps: requests / elapsed };
}

interface Stack { label: string; base: string; caPem: string; stop: () => Promise<void> }
interface Measured { label: string; pullsPerS: number; rps: number }

/** A tls-mode stack from init with these flags, running, with the image pushed. */
async function startPulled(root: string, label: string, flags: string[], layout: string): Promise<Stack> {
  const port = await freePort();
  const dir = join(root, label.replace(/\W+/g, '-'));
  const authPort = flags.includes('token') ? ['--auth-port', String(await freePort())] : [];
  await execa(process.execPath, [CLI, 'init', '--dir', dir, '--host', '127.0.0.1', '--port', String(port), ...authPort, '--user', 'bench', '--password-stdin', ...flags], { input: PASSWORD });
  const stack = await startStack(dir);
  const certDir = mkdtempSync(join(root, 'trust-'));
  writeFileSync(join(certDir, 'ca.crt'), readFileSync(join(dir, 'ca/ca.crt')));
  await execa('skopeo', ['copy', '--dest-cert-dir', certDir, '--dest-creds', `bench:${PASSWORD}`, `oci:${layout}:v1`, `docker://127.0.0.1:${port}/${REPO}:v1`]);
  return { label, base: `https://127.0.0.1:${port}`, caPem: readFileSync(join(dir, 'ca/ca.crt'), 'utf8'), stop: () => stack.stop() };
}

/** Short windows taken in turn on every stack (an idle stack costs nothing), so load from elsewhere hits all alike; medians. */
async function measureInTurn(stacks: Stack[], rounds: number, seconds: number): Promise<Measured[]> {
  const runs = stacks.map(() => [] as { pullsPerS: number; rps: number }[]);
  for (let r = 0; r < rounds; r++) for (const [i, s] of stacks.entries()) runs[i]!.push(await pullRate(s.base, s.caPem, seconds));
  return stacks.map((s, i) => ({ label: s.label, pullsPerS: median(runs[i]!.map((x) => x.pullsPerS)), rps: median(runs[i]!.map((x) => x.rps)) }));
}

const fmt = (m: Measured) => `${m.label}: ${m.pullsPerS.toFixed(1)} pulls/s, ${m.rps.toFixed(0)} req/s`;

/**
 * Issue 10's target: authenticated pulls of a 10-layer image with token auth at bcrypt
 * cost 10 against htpasswd at cost 10, on the same (tls-mode) stack, 8 pullers each.
 * bcrypt runs once per pull (the token) instead of on each of its ~13 requests, so
 * token auth must pull at least 5x as fast. The default htpasswd cost is shown beside.
 */
export async function benchToken(seconds = 4, rounds = 3): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'rs-bench-token-'));
  try {
    const layout = join(root, 'layout');
    tenLayerLayout(layout);
    const stacks: Stack[] = [];
    let measured: Measured[];
    try {
      stacks.push(await startPulled(root, 'token, bcrypt cost 10', ['--auth', 'token', '--bcrypt-cost', '10'], layout));
      stacks.push(await startPulled(root, 'htpasswd, bcrypt cost 10', ['--bcrypt-cost', '10'], layout));
      stacks.push(await startPulled(root, 'htpasswd, bcrypt cost 5 (default)', [], layout));
      measured = await measureInTurn(stacks, rounds, seconds);
    } finally {
      for (const s of stacks) await s.stop();
    }
    const [token10, htpasswd10, htpasswd5] = measured as [Measured, Measured, Measured];
    return [{
      name: `authenticated pulls of a ${LAYERS}-layer image, tls mode, ${PULLERS} pullers`,
      ours: 'token auth, bcrypt cost 10', oursMedianMs: 1000 / token10.pullsPerS,
      reference: 'htpasswd, bcrypt cost 10', referenceMedianMs: 1000 / htpasswd10.pullsPerS,
      ratio: htpasswd10.pullsPerS / token10.pullsPerS, target: 0.2,
      note: `${fmt(token10)}; ${fmt(htpasswd10)}; ${fmt(htpasswd5)} (medians of ${rounds} windows of ${seconds}s, taken in turn; times are per pull)`,
    }];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
