import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { DAY_MS } from './dates.js';
import { describeKey, ecCurveOf, keySpecOf, type KeySpec } from './keys.js';
import { ipVersion } from './hosts.js';

/** Exactly one PEM certificate and nothing else: what trust-node may send to a node as ca.crt. */
export function isOnePemCertificate(text: string): boolean {
  return /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\r?\n?$/.test(text);
}

export interface CertSummary {
  subject: string;
  issuer: string;
  sans: string[];
  /** Node's name for the key type: 'rsa', 'ec', … */
  keyType: string;
  /** The RSA modulus, or the EC curve's size (256 for P-256). */
  keyBits: number | undefined;
  /** What people read: 'ECDSA P-256', 'RSA 2048'. */
  keyDescription: string;
  serial: string;
  fingerprint256: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  isCa: boolean;
}

/** Parses PEM text, or returns null so each caller can name the file in its own error. */
export function parseCert(pem: string): X509Certificate | null {
  try {
    return new X509Certificate(pem);
  } catch {
    return null;
  }
}

export function parseKey(pem: string): KeyObject | null {
  try {
    return createPrivateKey(pem);
  } catch {
    return null;
  }
}

/** SANs in one normal form ("DNS:x", "IP:y") so they compare with the recorded hosts. */
export function certSans(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter(Boolean)
    .map((s) => (s.startsWith('IP Address:') ? sanFor(s.slice('IP Address:'.length)) : `DNS:${s.slice(4).toLowerCase()}`));
}

export function describeCert(cert: X509Certificate, now: Date): CertSummary {
  const notAfter = new Date(cert.validTo);
  const key = cert.publicKey;
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    sans: certSans(cert),
    keyType: key.asymmetricKeyType ?? 'unknown',
    keyBits: key.asymmetricKeyDetails?.modulusLength ?? ecCurveOf(key)?.bits,
    keyDescription: describeKey(key),
    serial: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: notAfter.toISOString(),
    // nearest whole day: a 20-day certificate issued a moment ago has 20 days left, not 19
    daysLeft: Math.round((notAfter.getTime() - now.getTime()) / DAY_MS),
    isCa: cert.ca,
  };
}

/**
 * The key a renewed certificate gets when the record names none: the same as
 * the certificate's. Null for a key registry-setup does not make (an ECDSA key
 * on a curve other than P-256, Ed25519), so the caller takes its default.
 */
export function keySpecOfCert(cert: X509Certificate): KeySpec | null {
  return keySpecOf(cert.publicKey);
}

/** True when `leaf` was issued and signed by `ca`. */
export function chainsTo(leaf: X509Certificate, ca: X509Certificate): boolean {
  return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
}

export function keyMatchesCert(cert: X509Certificate, key: KeyObject): boolean {
  return cert.checkPrivateKey(key);
}

/** The SAN spelling for a --host value, as certSans() prints it. */
export function sanFor(host: string): string {
  if (ipVersion(host) === 4) return `IP:${host}`;
  // OpenSSL prints IPv6 SANs expanded; the URL parser gives the one compressed form.
  if (ipVersion(host) === 6) return `IP:${new URL(`http://[${host}]/`).hostname.slice(1, -1)}`;
  return `DNS:${host.toLowerCase()}`;
}
