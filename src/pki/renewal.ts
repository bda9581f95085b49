import { parseHost } from './hosts.js';
import { sanFor } from './inspect.js';
import { DAY_MS, isoDay } from './dates.js';

/** status calls a certificate "expiring", and renew replaces it, this many days before it ends. */
export const RENEWAL_WINDOW_DAYS = 30;

export type Verdict = 'ok' | 'expiring' | 'expired';

/** The one rule status and renew share: due when it ends within the window. */
export function verdictFor(notAfter: Date, now: Date, windowDays: number): Verdict {
  const left = notAfter.getTime() - now.getTime();
  if (left <= 0) return 'expired';
  return left <= windowDays * DAY_MS ? 'expiring' : 'ok';
}

/** The day renew will first act on a certificate that ends at notAfter. */
export function renewalDue(notAfter: Date, windowDays: number): Date {
  return new Date(notAfter.getTime() - windowDays * DAY_MS);
}

export interface RenewalInput {
  now: Date;
  windowDays: number;
  force: boolean;
  /** The server certificate's notAfter and SANs ("IP:x", "DNS:y"), as certSans() gives them. */
  certNotAfter: Date;
  certSans: readonly string[];
  /** The hosts recorded in registry-setup.yml, then --add-host values (already validated). */
  recordedHosts: readonly string[];
  addHosts: readonly string[];
}

export type RenewalDecision =
  | { renew: true; reason: 'forced' | 'expired' | 'expiring' | 'new-host'; hosts: string[]; newHosts: string[] }
  | { renew: false; due: Date };

/**
 * Whether to renew, and for which hosts: the recorded ones, any SAN the
 * current certificate carries beyond them (a renewal never drops a name a
 * client may use), then --add-host. A host the certificate lacks forces a
 * renewal: that is the only way to add it.
 */
export function decideRenewal(input: RenewalInput): RenewalDecision {
  const hosts = mergeHosts([...input.recordedHosts, ...input.certSans.map(hostOfSan), ...input.addHosts]);
  const have = new Set(input.certSans);
  const newHosts = hosts.filter((h) => !have.has(sanFor(h)));
  const verdict = verdictFor(input.certNotAfter, input.now, input.windowDays);
  if (input.force) return { renew: true, reason: 'forced', hosts, newHosts };
  if (verdict !== 'ok') return { renew: true, reason: verdict, hosts, newHosts };
  if (newHosts.length > 0) return { renew: true, reason: 'new-host', hosts, newHosts };
  return { renew: false, due: renewalDue(input.certNotAfter, input.windowDays) };
}

/** "IP:10.0.0.5" -> "10.0.0.5", "DNS:reg.lan" -> "reg.lan". */
export function hostOfSan(san: string): string {
  return san.slice(san.indexOf(':') + 1);
}

/** Deduplicated by SAN spelling, first occurrence kept, so "::1" and "0:0::1" count once. */
export function mergeHosts(hosts: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of hosts) {
    const host = parseHost(raw).value;
    const san = sanFor(host);
    if (!seen.has(san)) {
      seen.add(san);
      out.push(host);
    }
  }
  return out;
}

/**
 * How long the new certificate may live: what was asked, but never past the
 * CA, because clients stop trusting the chain the day the CA ends.
 */
export function leafDays(requested: number, caNotAfter: Date, now: Date): { days: number; cappedByCa: boolean } {
  const caDaysLeft = Math.floor((caNotAfter.getTime() - now.getTime()) / DAY_MS);
  return caDaysLeft < requested ? { days: Math.max(caDaysLeft, 0), cappedByCa: true } : { days: requested, cappedByCa: false };
}

/**
 * The plain advice when the CA itself is ending: renew never replaces it,
 * because every node trusts exactly that certificate.
 */
export function caExpiryAdvice(caNotAfter: Date, now: Date, windowDays: number): string | null {
  const verdict = verdictFor(caNotAfter, now, windowDays);
  if (verdict === 'ok') return null;
  const date = isoDay(caNotAfter);
  const when = verdict === 'expired' ? `expired on ${date}` : `expires on ${date}`;
  return (
    `the CA (ca/ca.crt) ${when}; renew never replaces the CA, since every node trusts exactly that one. ` +
    'To roll it over: make a new CA and server certificate (registry-setup init --dir NEW_DIR, or your own CA with --ca-cert/--ca-key), ' +
    'put the new ca.crt on every node beside the old one (a certs.d directory trusts every *.crt in it, so both work during the switch), ' +
    'then serve the new certificate, and only then drop the old CA'
  );
}
