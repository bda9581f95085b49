import { isoDay } from '../pki/dates.js';
import { describeCert, keyMatchesCert, sanFor, type CertSummary } from '../pki/inspect.js';
import { servedChainVerifies } from './served-chain.js';
import { caExpiryAdvice, renewalDue, verdictFor, type Verdict } from '../pki/renewal.js';
import { mainAddress } from '../pki/hosts.js';
import { parseHtpasswd } from '../render/htpasswd.js';
import { assessProbe, type ProbeReport, type ProbeResult } from './assess-probe.js';
import type { LoadedBundle } from './load.js';
import { BUNDLE_FILES, authOf, type AuthKind, type Mode } from './state.js';
import { assessTokenSigner, type TokenSignerStatus } from '../auth/token-status.js';
import { parseAuthUsers } from '../auth/auth-users.js';
import { adviseImage, describeImageAdvice, type ImageAdvice } from './registry-image.js';
import { REGISTRY_IMAGE } from './plan-files.js';

export interface CertStatus extends CertSummary {
  verdict: Verdict;
  /** The first day renew acts on it. */
  renewalDue: string;
}

export interface ServerCertStatus extends CertStatus {
  chainsToCa: boolean;
  /** null when certs/registry.key is missing. */
  keyMatches: boolean | null;
  sansMatchHosts: boolean;
  /** Recorded hosts the certificate lacks, and SANs it has that are not recorded, as "IP:x"/"DNS:y". */
  missingSans: string[];
  extraSans: string[];
}

export interface StatusReport {
  dir: string;
  mode: Mode;
  registry: string;
  windowDays: number;
  ca: CertStatus & { keyInBundle: boolean; external: boolean };
  cert: ServerCertStatus;
  /** Names only; null in insecure mode, which has no authentication. */
  users: string[] | null;
  /** htpasswd or token; null in insecure mode. */
  auth: AuthKind | null;
  /** Token auth: the signing certificate's validity, and whether the registry trusts docker_auth's key. */
  tokenSigner?: TokenSignerStatus;
  probe?: ProbeReport;
  /** The registry image the stack runs against the one this release pins, with the CVEs that costs. */
  image?: ImageAdvice;
  /** One line each: what is wrong and what to run. Empty when all is well. */
  problems: string[];
  ok: boolean;
}

function certStatus(summary: CertSummary, now: Date, windowDays: number): CertStatus {
  const notAfter = new Date(summary.notAfter);
  return { ...summary, verdict: verdictFor(notAfter, now, windowDays), renewalDue: renewalDue(notAfter, windowDays).toISOString() };
}

/** Everything status reports, from files already read; pure, so `now` decides every verdict. */
export function assessBundle(b: LoadedBundle, now: Date, windowDays: number, probe?: ProbeResult, runningImage?: string): StatusReport {
  const { state } = b;
  const ca = { ...certStatus(describeCert(b.caCert, now), now, windowDays), keyInBundle: b.caKeyPem !== null, external: state.externalCa };
  const summary = describeCert(b.cert, now);
  const wanted = state.hosts.map((h) => sanFor(h));
  const missingSans = wanted.filter((s) => !summary.sans.includes(s));
  const extraSans = summary.sans.filter((s) => !wanted.includes(s));
  const cert: ServerCertStatus = {
    ...certStatus(summary, now, windowDays),
    chainsToCa: servedChainVerifies(b.served, b.caCert),
    keyMatches: b.key ? keyMatchesCert(b.cert, b.key) : null,
    sansMatchHosts: missingSans.length === 0 && extraSans.length === 0,
    missingSans,
    extraSans,
  };
  const auth = state.mode === 'insecure' ? null : authOf(state);
  const userFile = auth === 'token' ? BUNDLE_FILES.authConfig : BUNDLE_FILES.htpasswd;
  const userText = auth === 'token' ? b.token?.authConfig ?? null : b.htpasswd;
  const users = auth === null ? null : auth === 'token'
    ? parseAuthUsers(userText ?? 'users: {}', `${b.dir}/${userFile}`).map((u) => `${u.name} (${u.role})`)
    : parseHtpasswd(b.htpasswd ?? '').map((e) => e.user);
  const tokenSigner = auth === 'token' ? assessTokenSigner(b.token ?? { certPem: null, keyPem: null }, now, windowDays) : undefined;
  const probeReport = probe && assessProbe(probe, b.cert.fingerprint256, b.dir, state.mode);

  const problems: string[] = [];
  // An insecure bundle serves plain HTTP: its certificate is never presented, so its age is no problem.
  if (state.mode !== 'insecure' && cert.verdict !== 'ok') {
    const when = cert.verdict === 'expired' ? `expired on ${isoDay(cert.notAfter)}` : `expires in ${cert.daysLeft} days (${isoDay(cert.notAfter)})`;
    problems.push(`the server certificate ${when}: run registry-setup renew`);
  }
  const caAdvice = caExpiryAdvice(new Date(ca.notAfter), now, windowDays);
  if (caAdvice) problems.push(caAdvice);
  if (!cert.chainsToCa) {
    problems.push(`${BUNDLE_FILES.cert} was not issued by ${BUNDLE_FILES.caCert}: nodes that trust that CA will reject it; run registry-setup renew --force`);
  }
  if (cert.keyMatches === null) problems.push(`${BUNDLE_FILES.key} is missing: run registry-setup renew --force for a new key and certificate`);
  if (cert.keyMatches === false) {
    problems.push(`${BUNDLE_FILES.key} does not match ${BUNDLE_FILES.cert}: the registry cannot serve it; run registry-setup renew --force`);
  }
  if (missingSans.length > 0) {
    problems.push(`the certificate lacks ${missingSans.join(', ')} from ${BUNDLE_FILES.state}: clients using it get an x509 error; run registry-setup renew`);
  }
  if (!ca.keyInBundle && !ca.external) {
    problems.push(`${BUNDLE_FILES.caKey} is missing: renew will need the CA as --ca-cert FILE --ca-key FILE`);
  }
  if (users && userText === null) {
    problems.push(auth === 'token'
      ? `${BUNDLE_FILES.authConfig} is missing: docker_auth cannot start; add a user with registry-setup user add NAME --role admin`
      : `${BUNDLE_FILES.htpasswd} is missing (the registry would invent a random user): add one with registry-setup user add NAME`);
  } else if (users && users.length === 0) {
    problems.push(`${userFile} has no users, so nobody can log in: add one with registry-setup user add NAME`);
  }
  if (tokenSigner) problems.push(...tokenSigner.problems);
  if (probeReport) problems.push(...probeReport.problems);
  const image = runningImage === undefined ? undefined : adviseImage(runningImage, REGISTRY_IMAGE);
  const imageProblem = image && describeImageAdvice(image);
  if (imageProblem) problems.push(imageProblem);

  return {
    dir: b.dir,
    mode: state.mode,
    registry: mainAddress(state.hosts, state.port),
    windowDays,
    ca,
    cert,
    users,
    auth,
    ...(tokenSigner && { tokenSigner }),
    ...(probeReport && { probe: probeReport }),
    ...(image && { image }),
    problems,
    ok: problems.length === 0,
  };
}
