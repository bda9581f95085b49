import { generateKeyPair as nodeGenerateKeyPair, type KeyObject } from 'node:crypto';

export type KeyType = 'ecdsa' | 'rsa';

/** ECDSA is always P-256, as step-ca does: every TLS client speaks it, and it is the fastest to make and use. */
export type KeySpec = { type: 'ecdsa' } | { type: 'rsa'; bits: number };

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** The curves Go's crypto/x509 (registry, docker, containerd) accepts, with the hash each is signed with. */
export const EC_CURVES = {
  'prime256v1': { name: 'P-256', bits: 256, hash: 'sha256' },
  'secp384r1': { name: 'P-384', bits: 384, hash: 'sha384' },
  'secp521r1': { name: 'P-521', bits: 521, hash: 'sha512' },
} as const;
export type EcCurve = keyof typeof EC_CURVES;

export function ecCurveOf(key: KeyObject): (typeof EC_CURVES)[EcCurve] | undefined {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve !== undefined && Object.hasOwn(EC_CURVES, curve) ? EC_CURVES[curve as EcCurve] : undefined;
}

/**
 * "ECDSA P-256", "RSA 2048", or the key type as Node names it ("ed25519",
 * "ec secp256k1") when it is one registry-setup does not issue with.
 */
export function describeKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') return `RSA ${d?.modulusLength ?? '?'}`;
  const curve = ecCurveOf(key);
  if (key.asymmetricKeyType === 'ec') return curve ? `ECDSA ${curve.name}` : `ec ${d?.namedCurve ?? '?'}`;
  return key.asymmetricKeyType ?? 'unknown';
}

/** The spec that makes a key like this one, or null for a key registry-setup would not make. */
export function keySpecOf(key: KeyObject): KeySpec | null {
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength;
    return bits ? { type: 'rsa', bits } : null;
  }
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? { type: 'ecdsa' } : null;
}

/**
 * PEM encodings every consumer of the bundle reads. Public keys are SPKI for
 * both types. An EC private key is PKCS#8 ("BEGIN PRIVATE KEY"): Go's
 * tls.X509KeyPair (registry, docker) and OpenSSL (nginx) read it as they read
 * SEC1, and it is the one form plain Java (PKCS8EncodedKeySpec) reads without
 * BouncyCastle. RSA stays PKCS#1 ("BEGIN RSA PRIVATE KEY") as bundles have
 * always had it, so existing scripts (openssl rsa -check) keep working.
 */
const PRIVATE_PEM = { rsa: { type: 'pkcs1', format: 'pem' }, ecdsa: { type: 'pkcs8', format: 'pem' } } as const satisfies Record<KeyType, object>;

/** A private key in the same encoding generateKeyPair writes, e.g. an outside CA's PKCS#8 or SEC1 file. */
export function privateKeyToPem(key: KeyObject): string {
  return key.export(key.asymmetricKeyType === 'rsa' ? PRIVATE_PEM.rsa : PRIVATE_PEM.ecdsa).toString();
}

/**
 * Node's native generator runs on the libuv thread pool, so the CA and server
 * keys are found in parallel and the event loop stays free for the wizard.
 * P-256 takes well under a millisecond; RSA-4096 can take seconds.
 */
export function generateKeyPair(spec: KeySpec): Promise<KeyPairPem> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKeyPem: string, privateKeyPem: string) => (err ? reject(err) : resolve({ privateKeyPem, publicKeyPem }));
    const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
    if (spec.type === 'rsa') {
      nodeGenerateKeyPair('rsa', { modulusLength: spec.bits, publicExponent: 0x10001, publicKeyEncoding, privateKeyEncoding: PRIVATE_PEM.rsa }, done);
    } else {
      nodeGenerateKeyPair('ec', { namedCurve: 'prime256v1', publicKeyEncoding, privateKeyEncoding: PRIVATE_PEM.ecdsa }, done);
    }
  });
}

/** @deprecated use generateKeyPair({ type: 'rsa', bits }). */
export function generateRsaKeyPair(bits: number): Promise<KeyPairPem> {
  return generateKeyPair({ type: 'rsa', bits });
}

export interface BundleKeys {
  leaf: KeyPairPem;
  ca: KeyPairPem | null; // null when an outside CA signs
}

/** A bare number is the old RSA bit count, so callers not yet switched to KeySpec keep working. */
const specOf = (s: KeySpec | number): KeySpec => (typeof s === 'number' ? { type: 'rsa', bits: s } : s);

/** Both keys at once, on two threads; awaited later, so a rejection is not reported as unhandled first. */
export function startBundleKeys(leaf: KeySpec | number, ca: KeySpec | number | null): Promise<BundleKeys> {
  const both = Promise.all([generateKeyPair(specOf(leaf)), ca === null ? null : generateKeyPair(specOf(ca))]).then(([l, c]) => ({ leaf: l, ca: c }));
  both.catch(() => {});
  return both;
}
