import { createHash } from 'node:crypto';

/**
 * Just the DER a certificate needs, written out: a node is its own encoding (the
 * bytes of one whole tag-length-value), so a certificate is built bottom-up by
 * concatenation, and a node read from elsewhere (a SubjectPublicKeyInfo, a CA's
 * subject Name) goes into the new certificate byte for byte. An ASN.1 library
 * (node-forge's: its module, its byte-string buffers and OID tables) cost more to
 * load than making both P-256 keys and both signatures.
 */
export type Asn1 = Buffer;

const T = { BOOLEAN: 0x01, INTEGER: 0x02, BITSTRING: 0x03, OCTETSTRING: 0x04, NULL: 0x05, OID: 0x06, UTF8: 0x0c, UTCTIME: 0x17, GENERALIZEDTIME: 0x18, SEQUENCE: 0x30, SET: 0x31 } as const;
const CONTEXT = 0x80;
const CONSTRUCTED = 0x20;

function lengthOf(n: number): Buffer {
  if (n < 0x80) return Buffer.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, content: Uint8Array): Asn1 => Buffer.concat([Buffer.of(tag), lengthOf(content.length), content]);

export const seq = (...items: Asn1[]): Asn1 => tlv(T.SEQUENCE, Buffer.concat(items));
export const set = (...items: Asn1[]): Asn1 => tlv(T.SET, Buffer.concat(items));

/** The first two arcs share a byte (40a + b); every arc is base 128, high bit set on all but its last byte. */
export function oid(dotted: string): Asn1 {
  const arcs = dotted.split('.').map(Number);
  const bytes: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const groups = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(T.OID, Uint8Array.from(bytes));
}

export const octets = (bytes: Uint8Array): Asn1 => tlv(T.OCTETSTRING, bytes);
export const bool = (v: boolean): Asn1 => tlv(T.BOOLEAN, Uint8Array.of(v ? 0xff : 0x00));
/** A small non-negative INTEGER (a version, a path length): one byte. */
export function int(n: number): Asn1 {
  if (!Number.isInteger(n) || n < 0 || n > 0x7f) throw new Error(`int(${n}): only 0 to 127 are written here`);
  return tlv(T.INTEGER, Uint8Array.of(n));
}
/** A positive INTEGER from its big-endian bytes, which must already be minimal and have the top bit clear. */
export const intBytes = (bytes: Uint8Array): Asn1 => tlv(T.INTEGER, bytes);
export const nul = (): Asn1 => tlv(T.NULL, new Uint8Array(0));
export const utf8 = (text: string): Asn1 => tlv(T.UTF8, Buffer.from(text, 'utf8'));
export const bitString = (bytes: Uint8Array, unusedBits = 0): Asn1 => tlv(T.BITSTRING, Buffer.concat([Uint8Array.of(unusedBits), bytes]));
/** [n] EXPLICIT, wrapping one node. */
export const explicit = (tag: number, inner: Asn1): Asn1 => tlv(CONTEXT | CONSTRUCTED | tag, inner);
/** [n] IMPLICIT over a primitive value (a GeneralName, a key identifier); a string is taken byte for byte (ASCII). */
export const implicit = (tag: number, bytes: Uint8Array | string): Asn1 =>
  tlv(CONTEXT | tag, typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);

/** RFC 5280 4.1.2.5: UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime (YYYYMMDDHHMMSSZ) from 2050. */
export function time(date: Date): Asn1 {
  const y = date.getUTCFullYear();
  const two = (n: number) => String(n).padStart(2, '0');
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  return y >= 1950 && y < 2050 ? tlv(T.UTCTIME, Buffer.from(`${two(y % 100)}${rest}`)) : tlv(T.GENERALIZEDTIME, Buffer.from(`${y}${rest}`));
}

export const toDer = (n: Asn1): Buffer => n;

/** One node as found in DER: where it starts, where its content starts, and where it ends. */
interface Tlv {
  tag: number;
  start: number;
  content: number;
  end: number;
}

function readTlv(der: Uint8Array, at: number): Tlv {
  const tag = der[at];
  let len = der[at + 1];
  if (tag === undefined || len === undefined || (tag & 0x1f) === 0x1f) throw new Error('not DER');
  let content = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('not DER');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[content++] ?? NaN);
  }
  const end = content + len;
  if (!(end <= der.length)) throw new Error('not DER');
  return { tag, start: at, content, end };
}

function children(der: Uint8Array, node: Tlv | undefined): Tlv[] {
  const out: Tlv[] = [];
  if (!node || !(node.tag & CONSTRUCTED)) return out;
  for (let at = node.content; at < node.end; ) {
    const child = readTlv(der, at);
    if (child.end > node.end) throw new Error('not DER');
    out.push(child);
    at = child.end;
  }
  return out;
}

const contentOf = (der: Uint8Array, n: Tlv): Buffer => Buffer.from(der.subarray(n.content, n.end));
const whole = (der: Uint8Array, n: Tlv): Buffer => Buffer.from(der.subarray(n.start, n.end));

/** A node taken from DER as it is (an SPKI into a certificate); the bytes must be exactly one node. */
export function fromDer(der: Uint8Array): Asn1 {
  const n = readTlv(der, 0);
  if (n.end !== der.length) throw new Error('not DER');
  return whole(der, n);
}

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
  const bits = children(spkiDer, readTlv(spkiDer, 0))[1];
  if (!bits || bits.tag !== T.BITSTRING) throw new Error('not a SubjectPublicKeyInfo');
  return createHash('sha1').update(contentOf(spkiDer, bits).subarray(1)).digest();
}

const SKI = oid('2.5.29.14');
const isContext = (n: Tlv | undefined, tag: number) => n !== undefined && (n.tag & ~CONSTRUCTED) === (CONTEXT | tag);

/**
 * What a leaf needs from its CA: the subject Name, exactly as encoded (it
 * becomes the leaf's issuer byte for byte, which is how Go and OpenSSL find
 * the issuer), and the key identifier for authorityKeyIdentifier: the CA's
 * own SKI when it states one, otherwise computed from its key.
 */
export function issuerParts(certDer: Uint8Array, spkiDer: Uint8Array): { subject: Asn1; keyId: Buffer } {
  const tbs = children(certDer, children(certDer, readTlv(certDer, 0))[0]);
  const at = isContext(tbs[0], 0) ? 1 : 0; // version is absent in a v1 certificate
  const subject = tbs[at + 4];
  if (!subject) throw new Error('not an X.509 certificate');
  const extensions = children(certDer, children(certDer, tbs.find((n) => isContext(n, 3)))[0]);
  for (const ext of extensions) {
    const [id, ...rest] = children(certDer, ext);
    const value = rest[rest.length - 1];
    if (!id || !value || !whole(certDer, id).equals(SKI)) continue;
    const inner = contentOf(certDer, value);
    const keyId = contentOf(inner, readTlv(inner, 0));
    if (keyId.length > 0) return { subject: whole(certDer, subject), keyId };
  }
  return { subject: whole(certDer, subject), keyId: keyIdOfSpki(spkiDer) };
}
