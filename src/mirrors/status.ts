import https from 'node:https';
import type { ProbeResult } from '../bundle/assess-probe.js';
import type { BundleState } from '../bundle/state.js';
import { describeMirror } from './services.js';

/** What status says of one mirror: always what it is; with --probe, whether it answers and whether its upstream does. */
export interface MirrorStatus extends ReturnType<typeof describeMirror> {
  /** --probe: GET /v2/ on the mirror (TLS with the bundle's CA, as nodes reach it). */
  mirror?: { reachable: boolean; status?: number; tlsVerified?: boolean; error?: string };
  /** --probe: GET URL/v2/ from this host, trusting what Node trusts (an answer of any status means it is there). */
  upstreamProbe?: { reachable: boolean; status?: number; error?: string };
}

/** One GET URL/v2/, verified the way a client on this host would: 200 or 401 both mean a registry answers. */
export function probeUpstream(url: string, timeoutMs = 5000): Promise<NonNullable<MirrorStatus['upstreamProbe']>> {
  return new Promise((resolve) => {
    const req = https.get(new URL('/v2/', url), { agent: false, timeout: timeoutMs, headers: { 'User-Agent': 'registry-setup status --probe' } }, (res) => {
      res.resume();
      resolve({ reachable: true, status: res.statusCode });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ reachable: false, error: err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message }));
  });
}

/**
 * The mirrors' part of status. `probeMirror` is status's own probe of a registry
 * (io/probe.ts); the problems name what to run.
 */
export async function assessMirrors(
  state: BundleState, dir: string, probe: false | { mirror: (address: string) => Promise<ProbeResult>; upstream: (url: string) => Promise<NonNullable<MirrorStatus['upstreamProbe']>> },
): Promise<{ mirrors: MirrorStatus[]; problems: string[] }> {
  const problems: string[] = [];
  const mirrors = await Promise.all((state.mirrors ?? []).map(async (m) => {
    const s: MirrorStatus = describeMirror(state, m);
    if (!probe) return s;
    const [mine, up] = await Promise.all([probe.mirror(s.address), probe.upstream(m.url)]);
    s.mirror = { reachable: mine.error === undefined || mine.status !== undefined, ...(mine.status !== undefined && { status: mine.status }), ...(mine.tlsAuthorized !== undefined && { tlsVerified: mine.tlsAuthorized }), ...(mine.error !== undefined && { error: mine.error }) };
    s.upstreamProbe = up;
    if (!s.mirror.reachable) problems.push(`the ${m.upstream} mirror at ${s.address} does not answer: ${mine.error} (is it running? cd ${dir} && docker compose up -d ${s.service})`);
    else if (s.mirror.tlsVerified === false) problems.push(`the ${m.upstream} mirror at ${s.address} fails TLS verification with the bundle's CA: ${mine.tlsError ?? 'unknown reason'}`);
    if (!up.reachable) problems.push(`the ${m.upstream} mirror's upstream ${m.url} cannot be reached from this host: ${up.error}`);
    return s;
  }));
  return { mirrors, problems };
}
