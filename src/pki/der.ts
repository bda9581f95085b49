import { createHash } from 'node:crypto';
import type forge from 'node-forge';
import forgeAsn1 from 'node-forge/lib/asn1.js';

export type Asn1 = forge.asn1.Asn1;

/**
 * Only forge's ASN.1 module (about 5 ms to load), not all of node-forge (50 to
 * 100 ms: TLS, PKCS#12, pure-JS RSA), whose certificate API handles RSA keys
 * only anyway. With P-256 keys, loading all of forge would cost ten times more
 * than making both keys and both signatures.
 */
export const asn1 = forgeAsn1;

const UNIVERSAL = 0x00 as forge.asn1.Class;
const CONTEXT = 0x80 as forge.asn1.Class;
const T = { BOOLEAN: 1, INTEGER: 2, BITSTRING: 3, OCTETSTRING: 4, NULL: 5, OID: 6, UTF8: 12, SEQUENCE: 16, SET: 17, UTCTIME: 23, GENERALIZEDTIME: 24 } as const;

/** forge holds byte strings ("binary", one char per byte). */
const bin = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('binary');

const node = (type: number, value: string | Asn1[]): Asn1 => asn1.create(UNIVERSAL, type as forge.asn1.Type, Array.isArray(value), value);
export const seq = (...items: Asn1[]): Asn1 => node(T.SEQUENCE, items);
export const set = (...items: Asn1[]): Asn1 => node(T.SET, items);
export const oid = (dotted: string): Asn1 => node(T.OID, asn1.oidToDer(dotted).getBytes());
export const octets = (bytes: Uint8Array): Asn1 => node(T.OCTETSTRING, bin(bytes));
export const bool = (v: boolean): Asn1 => node(T.BOOLEAN, v ? '\xff' : '\x00');
export const int = (n: number): Asn1 => node(T.INTEGER, asn1.integerToDer(n).getBytes());
/** A positive INTEGER from its big-endian bytes, which must already be minimal and have the top bit clear. */
export const intBytes = (bytes: Uint8Array): Asn1 => node(T.INTEGER, bin(bytes));
export const nul = (): Asn1 => node(T.NULL, '');
export const utf8 = (text: string): Asn1 => node(T.UTF8, Buffer.from(text, 'utf8').toString('binary'));
export const bitString = (bytes: Uint8Array, unusedBits = 0): Asn1 => node(T.BITSTRING, String.fromCharCode(unusedBits) + bin(bytes));
/** [n] EXPLICIT, wrapping one node. */
export const explicit = (tag: number, inner: Asn1): Asn1 => asn1.create(CONTEXT, tag as forge.asn1.Type, true, [inner]);
/** [n] IMPLICIT over a primitive value (a GeneralName, a key identifier). */
export const implicit = (tag: number, bytes: Uint8Array | string): Asn1 =>
  asn1.create(CONTEXT, tag as forge.asn1.Type, false, typeof bytes === 'string' ? bytes : bin(bytes));

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function time(date: Date): Asn1 {
  const y = date.getUTCFullYear();
  return y >= 1950 && y < 2050 ? node(T.UTCTIME, asn1.dateToUtcTime(date)) : node(T.GENERALIZEDTIME, asn1.dateToGeneralizedTime(date));
}

export const toDer = (n: Asn1): Buffer => Buffer.from(asn1.toDer(n).getBytes(), 'binary');
/** BIT STRINGs are kept as bytes, so re-encoding gives back exactly the input. */
export const fromDer = (der: Uint8Array): Asn1 => (asn1.fromDer as unknown as (b: string, o: object) => Asn1)(bin(der), { decodeBitStrings: false });

const children = (n: Asn1 | undefined): Asn1[] => (n && Array.isArray(n.value) ? n.value : []);
const bytesOf = (n: Asn1 | undefined): Buffer => Buffer.from(n && typeof n.value === 'string' ? n.value : '', 'binary');
const isTag = (n: Asn1, tagClass: number, type: number) => n.tagClass === tagClass && n.type === type;

export function pemOf(type: string, der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

/**
 * RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bytes
 * (no tag, length or unused-bits count). For RSA that is the RSAPublicKey, for
 * EC the uncompressed point; Go, OpenSSL and forge compute it the same way.
 */
export function keyIdOfSpki(spkiDer: Uint8Array): Buffer {
  const bits = children(fromDer(spkiDer))[1];
  if (!bits || !isTag(bits, UNIVERSAL, T.BITSTRING)) throw new Error('not a SubjectPublicKeyInfo');
  return createHash('sha1').update(bytesOf(bits).subarray(1)).digest();
}

const SKI_OID = '2.5.29.14';

/**
 * What a leaf needs from its CA: the subject Name, exactly as encoded (it
 * becomes the leaf's issuer byte for byte, which is how Go and OpenSSL find
 * the issuer), and the key identifier for authorityKeyIdentifier: the CA's
 * own SKI when it states one, otherwise computed from its key.
 */
export function issuerParts(certDer: Uint8Array, spkiDer: Uint8Array): { subject: Asn1; keyId: Buffer } {
  const tbs = children(children(fromDer(certDer))[0]);
  const first = tbs[0];
  const at = first && isTag(first, CONTEXT, 0) ? 1 : 0; // version is absent in a v1 certificate
  const subject = tbs[at + 4];
  if (!subject) throw new Error('not an X.509 certificate');
  const extensions = children(children(tbs.find((n) => isTag(n, CONTEXT, 3)))[0]);
  for (const ext of extensions) {
    const [id, ...rest] = children(ext);
    if (!id || asn1.derToOid(bytesOf(id).toString('binary')) !== SKI_OID) continue;
    const value = rest[rest.length - 1];
    const keyId = bytesOf(fromDer(bytesOf(value)));
    if (keyId.length > 0) return { subject, keyId };
  }
  return { subject, keyId: keyIdOfSpki(spkiDer) };
}
