import type { X509Certificate } from 'node:crypto';
import { pemBlocks } from '../bundle/served-chain.js';
import { BUNDLE_FILES } from '../bundle/state.js';
import { isoDay } from '../pki/dates.js';
import { describeCert, keyMatchesCert, parseKey, type CertSummary } from '../pki/inspect.js';
import { renewalDue, verdictFor, type Verdict } from '../pki/renewal.js';

/** The token signer as status reports it and renew decides on it. */
export interface TokenSignerStatus {
  /** The first certificate of auth/token.crt (the one docker_auth presents); null when missing or unreadable. */
  cert: (CertSummary & { verdict: Verdict; renewalDue: string }) | null;
  /** Whether a certificate the registry trusts (rootcertbundle) holds the key docker_auth signs with; null when the key is missing. */
  trustedMatchesKey: boolean | null;
  /** One line each, with what to run. */
  problems: string[];
}

export function assessTokenSigner(files: { certPem: string | null; keyPem: string | null }, now: Date, windowDays: number): TokenSignerStatus {
  const certs: X509Certificate[] = files.certPem === null ? [] : pemBlocks(files.certPem) ?? [];
  const key = files.keyPem === null ? null : parseKey(files.keyPem);
  const first = certs[0];
  const summary = first ? describeCert(first, now) : null;
  const cert = summary && { ...summary, verdict: verdictFor(new Date(summary.notAfter), now, windowDays), renewalDue: renewalDue(new Date(summary.notAfter), windowDays).toISOString() };
  const trustedMatchesKey = key === null ? null : certs.some((c) => keyMatchesCert(c, key));
  const problems: string[] = [];
  if (!cert) problems.push(`${BUNDLE_FILES.tokenCert} is missing or unreadable: the registry trusts no token; run registry-setup renew --force`);
  else if (cert.verdict !== 'ok') {
    const when = cert.verdict === 'expired' ? `expired on ${isoDay(cert.notAfter)}` : `expires in ${cert.daysLeft} days (${isoDay(cert.notAfter)})`;
    problems.push(`the token-signing certificate ${when}: run registry-setup renew`);
  }
  if (trustedMatchesKey === null) problems.push(`${BUNDLE_FILES.tokenKey} is missing or unreadable: docker_auth cannot sign; run registry-setup renew --force`);
  else if (cert && !trustedMatchesKey) {
    problems.push(`${BUNDLE_FILES.tokenCert}, which the registry trusts, does not hold the key docker_auth signs with (${BUNDLE_FILES.tokenKey}): every token is refused; run registry-setup renew --force`);
  }
  return { cert, trustedMatchesKey, problems };
}
