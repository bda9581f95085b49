import { X509Certificate } from 'node:crypto';
import { ipBytes, type Host } from './hosts.js';
import { DAY_MS } from './dates.js';
import { bitString, bool, explicit, fromDer, implicit, int, intBytes, issuerParts, keyIdOfSpki, octets, oid, pemOf, seq, set, time, toDer, utf8, type Asn1 } from './der.js';
import { signDer, signerFor, subjectKey } from './signer.js';

/** Tolerates clients whose clocks run a little behind the host that issued. */
export const CLOCK_SKEW_MS = 60 * 60 * 1000;

export interface Validity {
  now: Date;
  days: number;
}

/** Keys are PEM of any supported type: RSA, or ECDSA P-256 (P-384 and P-521 too, as outside CAs use). */
export interface CaInput extends Validity {
  commonName: string;
  keys: { privateKeyPem: string; publicKeyPem: string };
  serial: Uint8Array;
}

export interface LeafInput extends Validity {
  /** The signing CA: the certificate the key matches (for an outside chain, its first block). */
  ca: { certPem: string; keyPem: string };
  publicKeyPem: string;
  hosts: readonly Host[];
  serial: Uint8Array;
}

/** A positive serial: the top bit cleared (DER integers are signed), never zero. */
export function serialHex(random: Uint8Array): string {
  if (random.length < 8) throw new Error('a serial needs at least 64 random bits');
  const bytes = Uint8Array.from(random);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

const OID = {
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

/** RFC 5280 asks for UTF8String in new certificates; one attribute per RDN, in the order given. */
const name = (...attrs: [string, string][]): Asn1 => seq(...attrs.map(([id, value]) => set(seq(oid(id), utf8(value)))));

const extension = (id: string, critical: boolean, value: Asn1): Asn1 =>
  seq(oid(id), ...(critical ? [bool(true)] : []), octets(toDer(value)));

/** keyUsage bits (0 digitalSignature, 2 keyEncipherment, 5 keyCertSign, 6 cRLSign) as a DER named-bit BIT STRING. */
function keyUsage(...bits: number[]): Asn1 {
  const byte = bits.reduce((b, bit) => b | (0x80 >> bit), 0);
  let unused = 0;
  while (unused < 7 && !(byte & (1 << unused))) unused++;
  return extension(OID.keyUsage, true, bitString(Uint8Array.of(byte), unused));
}

interface Tbs extends Validity {
  serial: Uint8Array;
  signatureAlgorithm: Asn1;
  issuer: Asn1;
  subject: Asn1;
  spkiDer: Buffer;
  extensions: Asn1[];
}

function tbsCertificate(t: Tbs): Asn1 {
  return seq(
    explicit(0, int(2)), // v3
    intBytes(Buffer.from(serialHex(t.serial), 'hex')),
    t.signatureAlgorithm,
    t.issuer,
    seq(time(new Date(t.now.getTime() - CLOCK_SKEW_MS)), time(new Date(t.now.getTime() + t.days * DAY_MS))),
    t.subject,
    fromDer(t.spkiDer),
    explicit(3, seq(...t.extensions)),
  );
}

/** Builds the TBSCertificate with forge's ASN.1 module and signs it with node:crypto; the same path for RSA and ECDSA. */
function signCertificate(keyPem: string, fields: Omit<Tbs, 'signatureAlgorithm'>): string {
  const signer = signerFor(keyPem);
  const tbs = tbsCertificate({ ...fields, signatureAlgorithm: signer.algorithm() });
  const signature = signDer(signer, toDer(tbs));
  return pemOf('CERTIFICATE', toDer(seq(tbs, signer.algorithm(), bitString(signature))));
}

export function issueCa(input: CaInput): string {
  const { spkiDer } = subjectKey(input.keys.publicKeyPem);
  const subject = name([OID.commonName, input.commonName], [OID.organizationName, 'registry-setup']);
  return signCertificate(input.keys.privateKeyPem, {
    now: input.now,
    days: input.days,
    serial: input.serial,
    issuer: subject,
    subject,
    spkiDer,
    extensions: [
      // pathlen 0: this CA signs server certificates, never another CA
      extension(OID.basicConstraints, true, seq(bool(true), int(0))),
      keyUsage(5, 6),
      extension(OID.subjectKeyIdentifier, false, octets(keyIdOfSpki(spkiDer))),
    ],
  });
}

export function issueLeaf(input: LeafInput): string {
  const first = input.hosts[0];
  if (!first) throw new Error('a server certificate needs at least one host');
  const { key, spkiDer } = subjectKey(input.publicKeyPem);
  const ca = new X509Certificate(input.ca.certPem); // the first block, when the PEM holds a chain
  const issuer = issuerParts(ca.raw, ca.publicKey.export({ type: 'spki', format: 'der' }));
  // keyEncipherment is RSA key transport; RFC 8813 forbids it with an EC key, which only signs.
  const rsa = key.asymmetricKeyType === 'rsa';
  // a dNSName is an IA5String: parseHost lets only ASCII through, so the text is its bytes
  const sans = input.hosts.map((h) => (h.kind === 'ip' ? implicit(7, ipBytes(h.value)) : implicit(2, h.value)));
  return signCertificate(input.ca.keyPem, {
    now: input.now,
    days: input.days,
    serial: input.serial,
    issuer: issuer.subject,
    // Go ignores the CN since 1.15, but people read it; a CN is limited to 64 characters.
    subject: name([OID.commonName, first.value.slice(0, 64)]),
    spkiDer,
    extensions: [
      extension(OID.basicConstraints, true, seq()),
      rsa ? keyUsage(0, 2) : keyUsage(0),
      extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))),
      extension(OID.subjectAltName, false, seq(...sans)),
      extension(OID.subjectKeyIdentifier, false, octets(keyIdOfSpki(spkiDer))),
      extension(OID.authorityKeyIdentifier, false, seq(implicit(0, issuer.keyId))),
    ],
  });
}

export interface SignerInput extends Validity {
  ca: { certPem: string; keyPem: string };
  publicKeyPem: string;
  commonName: string;
  serial: Uint8Array;
}

/**
 * The token-signing certificate: issued by the bundle's CA like the server's, but it
 * only signs (digitalSignature, no EKU, no SANs). The registry trusts its public key
 * (rootcertbundle); docker_auth signs tokens with the matching key.
 */
export function issueTokenSigner(input: SignerInput): string {
  const { spkiDer } = subjectKey(input.publicKeyPem);
  const ca = new X509Certificate(input.ca.certPem);
  const issuer = issuerParts(ca.raw, ca.publicKey.export({ type: 'spki', format: 'der' }));
  return signCertificate(input.ca.keyPem, {
    now: input.now,
    days: input.days,
    serial: input.serial,
    issuer: issuer.subject,
    subject: name([OID.commonName, input.commonName], [OID.organizationName, 'registry-setup']),
    spkiDer,
    extensions: [
      extension(OID.basicConstraints, true, seq()),
      keyUsage(0),
      extension(OID.subjectKeyIdentifier, false, octets(keyIdOfSpki(spkiDer))),
      extension(OID.authorityKeyIdentifier, false, seq(implicit(0, issuer.keyId))),
    ],
  });
}
