import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { CLOCK_SKEW_MS, issueCa, issueLeaf, serialHex } from '../../src/pki/issue.js';
import { certSans, chainsTo, describeCert } from '../../src/pki/inspect.js';
import { parseHost } from '../../src/pki/hosts.js';

const pair = (bits: number) => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() };
};
const now = new Date('2026-01-01T00:00:00Z');
const caKeys = pair(2048);
const leafKeys = pair(2048);
const caPem = issueCa({ keys: caKeys, commonName: 'test CA', days: 3650, now, serial: new Uint8Array(16).fill(0xff) });
const hosts = ['10.0.0.5', 'fd00::5', 'registry.lan', '*.apps.lan'].map((h) => parseHost(h));
const leafPem = issueLeaf({ ca: { certPem: caPem, keyPem: caKeys.privateKeyPem }, publicKeyPem: leafKeys.publicKeyPem, hosts, days: 825, now, serial: new Uint8Array(16).fill(0x11) });
const ca = new X509Certificate(caPem);
const leaf = new X509Certificate(leafPem);

describe('issueCa', () => {
  it('is a CA that can sign only certificates, with the asked validity', () => {
    expect(ca.ca).toBe(true);
    expect(new Date(ca.validFrom).getTime()).toBe(now.getTime() - CLOCK_SKEW_MS);
    expect(new Date(ca.validTo).toISOString()).toBe('2035-12-30T00:00:00.000Z');
    expect(chainsTo(ca, ca)).toBe(true);
  });
});

describe('issueLeaf', () => {
  it('chains to the CA and is not itself a CA', () => {
    expect(chainsTo(leaf, ca)).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(new X509Certificate(issueCa({ keys: pair(2048), commonName: 'other', days: 1, now, serial: new Uint8Array(8).fill(1) })))).toBe(false);
  });

  it('has an IP SAN for every address and a DNS SAN for every name', () => {
    expect(certSans(leaf)).toEqual(['IP:10.0.0.5', 'IP:fd00::5', 'DNS:registry.lan', 'DNS:*.apps.lan']);
    expect(leaf.checkIP('10.0.0.5')).toBe('10.0.0.5');
    expect(leaf.checkHost('x.apps.lan')).toBe('*.apps.lan');
    expect(leaf.checkHost('other.lan')).toBeUndefined();
  });

  it('is for servers only, signed with SHA-256, valid from a little in the past', () => {
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const info = describeCert(leaf, now);
    expect(info.daysLeft).toBe(825);
    expect(new Date(info.notBefore).getTime()).toBe(now.getTime() - CLOCK_SKEW_MS);
    expect(leaf.toLegacyObject().serialNumber).toMatch(/^[0-7]/);
    expect(forge.pki.certificateFromPem(leafPem).signatureOid).toBe(forge.pki.oids.sha256WithRSAEncryption);
  });
});

describe('serialHex', () => {
  it('is positive and never zero, whatever the random bytes', () => {
    expect(serialHex(new Uint8Array(8).fill(0xff))).toBe('7f' + 'ff'.repeat(7));
    expect(serialHex(new Uint8Array(8))).toBe('01' + '00'.repeat(7));
    expect(() => serialHex(new Uint8Array(7))).toThrow(/64 random bits/);
  });
});
