import { sign } from 'node:crypto';
import forge from 'node-forge';
import type { Host } from './hosts.js';
import { DAY_MS } from './dates.js';

/** Tolerates clients whose clocks run a little behind the host that issued. */
export const CLOCK_SKEW_MS = 60 * 60 * 1000;

export interface Validity {
  now: Date;
  days: number;
}

export interface CaInput extends Validity {
  commonName: string;
  keys: { privateKeyPem: string; publicKeyPem: string };
  serial: Uint8Array;
}

export interface LeafInput extends Validity {
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

function setValidity(cert: forge.pki.Certificate, { now, days }: Validity): void {
  cert.validity.notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
}

export function issueCa(input: CaInput): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(input.keys.publicKeyPem);
  cert.serialNumber = serialHex(input.serial);
  setValidity(cert, input);
  const subject = [
    { name: 'commonName', value: input.commonName },
    { name: 'organizationName', value: 'registry-setup' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  return signToPem(cert, input.keys.privateKeyPem);
}

/** The CA's own key identifier when it states one; otherwise RFC 5280's method 1. */
function caKeyIdentifier(ca: forge.pki.Certificate): string {
  const ski = ca.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
  if (ski?.subjectKeyIdentifier) return forge.util.hexToBytes(ski.subjectKeyIdentifier);
  return ca.generateSubjectKeyIdentifier().getBytes();
}

export function issueLeaf(input: LeafInput): string {
  const ca = forge.pki.certificateFromPem(input.ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(input.publicKeyPem);
  cert.serialNumber = serialHex(input.serial);
  setValidity(cert, input);
  const first = input.hosts[0];
  if (!first) throw new Error('a server certificate needs at least one host');
  // Go ignores the CN since 1.15, but people read it; a DNS CN is limited to 64 characters.
  cert.setSubject([{ name: 'commonName', value: first.value.slice(0, 64) }]);
  cert.setIssuer(ca.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: input.hosts.map((h) => (h.kind === 'ip' ? { type: 7, ip: h.value } : { type: 2, value: h.value })),
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caKeyIdentifier(ca) },
  ]);
  return signToPem(cert, input.ca.keyPem);
}

/**
 * What forge's cert.sign() does, with the RSA operation done by Node's native
 * crypto: forge's pure-JS signing takes about 200 ms with a 4096-bit CA key.
 */
function signToPem(cert: forge.pki.Certificate, keyPem: string): string {
  const oid = forge.pki.oids.sha256WithRSAEncryption!;
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  // getTBSCertificate is part of forge's API but missing from @types/node-forge
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  (cert as forge.pki.Certificate & { tbsCertificate: forge.asn1.Asn1 }).tbsCertificate = tbs;
  const der = Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary');
  cert.signature = sign('sha256', der, keyPem).toString('binary');
  return forge.pki.certificateToPem(cert);
}
