import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { fromDer, implicit, int, issuerParts, oid, time, toDer, utf8, seq } from '../../src/pki/der.js';
import { issueCa, issueLeaf } from '../../src/pki/issue.js';
import { parseHost } from '../../src/pki/hosts.js';

/** src/pki/der.ts against an independent encoder and decoder: node-forge's. */
const forgeDer = (n: forge.asn1.Asn1) => Buffer.from(forge.asn1.toDer(n).getBytes(), 'binary');
const rsa = () => {
  const k = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKeyPem: k.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicKeyPem: k.publicKey.export({ type: 'spki', format: 'pem' }) as string };
};

describe('der', () => {
  it('encodes OIDs, times, integers and strings as forge does', () => {
    for (const id of ['2.5.4.3', '2.5.29.14', '1.2.840.113549.1.1.11', '1.2.840.10045.4.3.2', '1.3.6.1.5.5.7.3.1', '2.999.16384']) {
      expect(toDer(oid(id))).toEqual(forgeDer(forge.asn1.create(0, forge.asn1.Type.OID, false, forge.asn1.oidToDer(id).getBytes())));
    }
    for (const d of ['1999-12-31T23:59:59Z', '2026-01-02T03:04:05Z', '2049-12-31T23:59:59Z', '2050-01-01T00:00:00Z', '2136-07-08T09:10:11Z']) {
      const date = new Date(d);
      const y = date.getUTCFullYear();
      const expected = y < 2050
        ? forge.asn1.create(0, forge.asn1.Type.UTCTIME, false, forge.asn1.dateToUtcTime(date))
        : forge.asn1.create(0, forge.asn1.Type.GENERALIZEDTIME, false, forge.asn1.dateToGeneralizedTime(date));
      expect(toDer(time(date))).toEqual(forgeDer(expected));
    }
    for (const n of [0, 2, 127]) expect(toDer(int(n))).toEqual(forgeDer(forge.asn1.create(0, forge.asn1.Type.INTEGER, false, forge.asn1.integerToDer(n).getBytes())));
    expect(() => int(128)).toThrow();
    // lengths past 127 and 255 take the long form
    for (const len of [127, 128, 255, 256, 70000]) {
      const text = 'é'.repeat(len);
      expect(toDer(seq(utf8(text)))).toEqual(forgeDer(forge.asn1.create(0, forge.asn1.Type.SEQUENCE, true, [
        forge.asn1.create(0, forge.asn1.Type.UTF8, false, forge.util.encodeUtf8(text)),
      ])));
    }
    expect(toDer(implicit(2, 'a.lan'))).toEqual(Buffer.from([0x82, 5, ...Buffer.from('a.lan')]));
    expect(() => fromDer(Buffer.from([0x30, 0x03, 0x02, 0x01]))).toThrow('not DER');
    expect(() => fromDer(Buffer.from([0x02, 0x01, 0x05, 0x00]))).toThrow('not DER');
  });

  it('builds certificates that forge decodes and re-encodes byte for byte', () => {
    const ca = rsa();
    const leaf = rsa();
    const now = new Date('2026-11-25T08:00:00Z');
    const caPem = issueCa({ keys: ca, commonName: `CA ${'x'.repeat(150)}`, days: 36500, now, serial: new Uint8Array(16).fill(0xab) });
    const leafPem = issueLeaf({ ca: { certPem: caPem, keyPem: ca.privateKeyPem }, publicKeyPem: leaf.publicKeyPem, hosts: ['10.0.0.5', 'registry.lan', 'fd00::5'].map((h) => parseHost(h)), days: 825, now, serial: new Uint8Array(16).fill(1) });
    for (const pem of [caPem, leafPem]) {
      const der = Buffer.from(forge.pem.decode(pem)[0]!.body, 'binary');
      expect(forgeDer(forge.pki.certificateToAsn1(forge.pki.certificateFromPem(pem)))).toEqual(der);
    }
    const c = forge.pki.certificateFromPem(leafPem);
    expect(c.getExtension('subjectAltName')).toMatchObject({ altNames: [{ type: 7, ip: '10.0.0.5' }, { type: 2, value: 'registry.lan' }, { type: 7 }] });
    expect(c.issuer.hash).toBe(forge.pki.certificateFromPem(caPem).subject.hash);
    expect(c.validity.notAfter.toISOString()).toBe('2029-02-27T08:00:00.000Z');
    // the CA's own SKI becomes the leaf's AKI; its subject is the leaf's issuer, as encoded
    const caDer = Buffer.from(forge.pem.decode(caPem)[0]!.body, 'binary');
    const parts = issuerParts(caDer, Buffer.alloc(0));
    expect(parts.keyId.toString('hex')).toBe(forge.pki.certificateFromPem(caPem).generateSubjectKeyIdentifier().toHex());
    expect(toDer(parts.subject)).toEqual(forgeDer(forge.pki.distinguishedNameToAsn1(forge.pki.certificateFromPem(caPem).subject)));
  });
});
