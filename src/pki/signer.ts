import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { ecCurveOf, describeKey } from './keys.js';
import { nul, oid, seq, type Asn1 } from './der.js';

/**
 * The algorithm follows the signer's key: sha256WithRSAEncryption for RSA at
 * any size, and for ECDSA the hash that matches the curve (RFC 5758, and what
 * Go's x509.CreateCertificate picks): P-256 SHA-256, P-384 SHA-384, P-521
 * SHA-512. ECDSA identifiers carry no parameters; RSA's carry NULL.
 */
const RSA_SHA256 = '1.2.840.113549.1.1.11';
const ECDSA_WITH = { sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3', sha512: '1.2.840.10045.4.3.4' } as const;

export interface Signer {
  key: KeyObject;
  hash: 'sha256' | 'sha384' | 'sha512';
  /** The AlgorithmIdentifier, in the TBSCertificate and again beside the signature. */
  algorithm: () => Asn1;
}

/** Why this key cannot be in (or sign) a certificate clients accept, or null when it can. */
export function unsupportedKey(key: KeyObject): string | null {
  if (key.asymmetricKeyType === 'rsa' || (key.asymmetricKeyType === 'ec' && ecCurveOf(key))) return null;
  // Ed25519 and other curves fail somewhere among docker, containerd, nginx, Java and browsers
  return `is ${describeKey(key)}; only RSA and ECDSA P-256, P-384 or P-521 keys are supported`;
}

export function signerFor(keyPem: string | KeyObject): Signer {
  const key = typeof keyPem === 'string' ? createPrivateKey(keyPem) : keyPem;
  const why = unsupportedKey(key);
  if (why) throw new Error(`the signing key ${why}`);
  const curve = ecCurveOf(key);
  if (!curve) return { key, hash: 'sha256', algorithm: () => seq(oid(RSA_SHA256), nul()) };
  return { key, hash: curve.hash, algorithm: () => seq(oid(ECDSA_WITH[curve.hash])) };
}

/** ECDSA signatures as the DER SEQUENCE { r, s } X.509 wants (dsaEncoding 'der', Node's default, said outright). */
export function signDer(signer: Signer, tbsDer: Uint8Array): Buffer {
  return sign(signer.hash, tbsDer, { key: signer.key, dsaEncoding: 'der' });
}

/** A subject key for a certificate, with its SPKI DER; refused when no client could use it. */
export function subjectKey(publicKeyPem: string): { key: KeyObject; spkiDer: Buffer } {
  const key = createPublicKey(publicKeyPem);
  const why = unsupportedKey(key);
  if (why) throw new Error(`the subject key ${why}`);
  return { key, spkiDer: key.export({ type: 'spki', format: 'der' }) };
}
