import { isoDay } from '../pki/dates.js';
import { reloadCommand } from './reload.js';
import { BUNDLE_FILES, type Mode } from './state.js';

/** What one request to /v2/ saw, as the network gave it; probeRegistry() fills it in. */
export interface ProbeResult {
  address: string;
  scheme: 'https' | 'http';
  /** Set when no HTTP answer came back at all (refused, timeout, TLS handshake failure). */
  error?: string;
  /** Whether the served chain verified against ca/ca.crt for this address. */
  tlsAuthorized?: boolean;
  tlsError?: string;
  servedFingerprint256?: string;
  servedSerial?: string;
  servedNotAfter?: string;
  status?: number;
}

export interface ProbeReport {
  address: string;
  reachable: boolean;
  /** null over plain HTTP. */
  tlsVerified: boolean | null;
  tlsError?: string;
  /** current: the served certificate is certs/registry.crt; stale: another one (not restarted since renew). */
  served: 'current' | 'stale' | null;
  servedFingerprint256?: string;
  servedSerial?: string;
  servedNotAfter?: string;
  v2Status?: number;
  /** Whether /v2/ without credentials was refused with 401; null when unreachable. */
  authRequired: boolean | null;
  problems: string[];
}

/** Turns what the probe saw into findings, each with what to run. */
export function assessProbe(p: ProbeResult, diskFingerprint256: string, dir: string, mode: Mode): ProbeReport {
  const problems: string[] = [];
  const base = { address: p.address, servedFingerprint256: p.servedFingerprint256, servedSerial: p.servedSerial, servedNotAfter: p.servedNotAfter };
  if (p.error !== undefined && p.servedFingerprint256 === undefined) {
    problems.push(`cannot reach the registry at ${p.address}: ${p.error} (is it running? cd ${dir} && docker compose up -d)`);
    return { ...base, reachable: false, tlsVerified: null, served: null, authRequired: null, problems };
  }
  const tls = p.scheme === 'https';
  const served = tls ? (p.servedFingerprint256 === diskFingerprint256 ? 'current' : 'stale') : null;
  if (tls && !p.tlsAuthorized) {
    problems.push(`the registry at ${p.address} fails TLS verification with ${BUNDLE_FILES.caCert}: ${p.tlsError ?? 'unknown reason'}`);
  }
  if (served === 'stale') {
    const until = p.servedNotAfter ? ` (valid until ${isoDay(p.servedNotAfter)})` : '';
    problems.push(
      `the registry at ${p.address} serves an older certificate${until} than ${BUNDLE_FILES.cert}: it reads it only at start-up; run ${reloadCommand(dir, mode)}`,
    );
  }
  if (p.error !== undefined) problems.push(`the registry at ${p.address} did not answer /v2/: ${p.error}`);
  const authRequired = p.status === undefined ? null : p.status === 401;
  if (mode !== 'insecure' && p.status !== undefined && p.status !== 401) {
    problems.push(`GET /v2/ without credentials on ${p.address} answered ${p.status}, not 401: the registry is not asking for a password`);
  }
  if (mode === 'insecure' && p.status !== undefined && p.status !== 200) {
    problems.push(`GET /v2/ on ${p.address} answered ${p.status}, not 200`);
  }
  return {
    ...base,
    reachable: true,
    tlsVerified: tls ? Boolean(p.tlsAuthorized) : null,
    ...(p.tlsError && { tlsError: p.tlsError }),
    served,
    ...(p.status !== undefined && { v2Status: p.status }),
    authRequired,
    problems,
  };
}
