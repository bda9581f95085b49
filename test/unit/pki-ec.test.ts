import { X509Certificate, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { issueCa, issueLeaf } from '../../src/pki/issue.js';
import { chainsTo, describeCert, keySpecOfCert } from '../../src/pki/inspect.js';
import { parseHost } from '../../src/pki/hosts.js';
import { generateKeyPair, startBundleKeys } from '../../src/pki/keys.js';

const now = new Date();
const dir = mkdtempSync(join(tmpdir(), 'rs-pki-ec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

type Kind = 'P-256' | 'P-384' | 'P-521' | 'RSA';
const pairOf = (kind: Kind) => {
  const { publicKey, privateKey } = kind === 'RSA' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: kind });
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
};
const hosts = ['10.0.0.5', 'fd00::5', 'registry.lan', '*.apps.lan'].map((h) => parseHost(h));

/** RFC 5280 method 1 computed without the code under test: the BIT STRING bytes are the PKCS#1 key or the EC point. */
function expectedKeyId(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  const bits = key.asymmetricKeyType === 'rsa'
    ? key.export({ type: 'pkcs1', format: 'der' })
    : Buffer.concat([Buffer.of(4), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  return createHash('sha1').update(bits).digest('hex');
}
const keyIdOf = (pemFile: string, ext: string) => openssl('x509', '-noout', '-ext', ext, '-in', pemFile).split('\n')[1]!.replace(/[\s:]|keyid/g, '').toLowerCase();

const SIGNATURE: Record<Kind, string> = { 'P-256': 'ecdsa-with-SHA256', 'P-384': 'ecdsa-with-SHA384', 'P-521': 'ecdsa-with-SHA512', RSA: 'sha256WithRSAEncryption' };

describe.each(['P-256', 'P-384', 'P-521', 'RSA'] as const)('a %s CA', (caKind) => {
  const caKeys = pairOf(caKind);
  const caPem = issueCa({ keys: caKeys, commonName: `${caKind} CA`, days: 3650, now, serial: new Uint8Array(16).fill(0x42) });
  const caFile = file(`ca-${caKind}.pem`, caPem);

  it('is a self-signed CA that OpenSSL accepts, signed with the algorithm its key calls for', () => {
    expect(chainsTo(new X509Certificate(caPem), new X509Certificate(caPem))).toBe(true);
    expect(openssl('verify', '-x509_strict', '-CAfile', caFile, caFile)).toMatch(/: OK$/m);
    const text = openssl('x509', '-noout', '-text', '-in', caFile);
    expect(text).toContain(`Signature Algorithm: ${SIGNATURE[caKind]}`);
    expect(text).toMatch(/CA:TRUE, pathlen:0/);
    expect(keyIdOf(caFile, 'subjectKeyIdentifier')).toBe(expectedKeyId(createPublicKey(caKeys.publicKeyPem)));
  });

  it.each(['P-256', 'RSA'] as const)('signs a %s server certificate that OpenSSL verifies for TLS servers', (leafKind) => {
    const leafKeys = pairOf(leafKind);
    const leafPem = issueLeaf({ ca: { certPem: caPem, keyPem: caKeys.privateKeyPem }, publicKeyPem: leafKeys.publicKeyPem, hosts, days: 825, now, serial: new Uint8Array(16).fill(0x11) });
    const leafFile = file(`leaf-${caKind}-${leafKind}.pem`, leafPem);
    // -x509_strict also checks the DER encoding and that an EC key's usage fits it
    expect(openssl('verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', caFile, leafFile)).toMatch(/: OK$/m);
    const leaf = new X509Certificate(leafPem);
    expect(leaf.publicKey.equals(createPublicKey(leafKeys.publicKeyPem))).toBe(true);
    expect(leaf.checkPrivateKey(createPrivateKey(leafKeys.privateKeyPem))).toBe(true);
    expect(leaf.checkHost('x.apps.lan')).toBe('*.apps.lan');
    expect(leaf.checkIP('fd00::5')).toBe('fd00::5');
    const text = openssl('x509', '-noout', '-text', '-in', leafFile);
    expect(text).toContain(`Signature Algorithm: ${SIGNATURE[caKind]}`);
    // keyEncipherment is RSA key transport; RFC 8813 forbids it for an EC key
    expect(text).toMatch(leafKind === 'RSA' ? /Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/ : /Key Usage: critical\n\s+Digital Signature\n/);
    expect(text).toMatch(/Extended Key Usage: \n\s+TLS Web Server Authentication\n/);
    expect(keyIdOf(leafFile, 'subjectKeyIdentifier')).toBe(expectedKeyId(createPublicKey(leafKeys.publicKeyPem)));
    expect(keyIdOf(leafFile, 'authorityKeyIdentifier')).toBe(keyIdOf(caFile, 'subjectKeyIdentifier'));
  });
});

describe('validity', () => {
  it('writes dates from 2050 on as GeneralizedTime, as RFC 5280 asks, so a long-lived CA ends when asked', () => {
    const caPem = issueCa({ keys: pairOf('P-256'), commonName: 'long', days: 36500, now: new Date('2026-01-01T00:00:00Z'), serial: new Uint8Array(8).fill(1) });
    expect(new Date(new X509Certificate(caPem).validTo).toISOString()).toBe('2125-12-08T00:00:00.000Z');
    expect(openssl('asn1parse', '-in', file('long.pem', caPem))).toMatch(/UTCTIME\s+:251231230000Z\n.*GENERALIZEDTIME\s+:21251208000000Z/s);
  });
});

describe('issuing with an outside CA', () => {
  it("copies the CA's subject byte for byte and takes its stated key identifier", () => {
    // UTF8String vs PrintableString and a non-method-1 SKI: what a CA made elsewhere may have
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'o.key'), '-out', join(dir, 'o.pem'),
      '-subj', '/C=DE/O=Corp/CN=Corp CA', '-days', '30', '-addext', 'subjectKeyIdentifier=0102030405', '-addext', 'authorityKeyIdentifier=none');
    const caPem = openssl('x509', '-in', join(dir, 'o.pem'));
    const keyPem = openssl('pkey', '-in', join(dir, 'o.key'));
    const leafPem = issueLeaf({ ca: { certPem: caPem, keyPem }, publicKeyPem: pairOf('P-256').publicKeyPem, hosts, days: 20, now, serial: new Uint8Array(8).fill(1) });
    const leafFile = file('outside-leaf.pem', leafPem);
    expect(new X509Certificate(leafPem).issuer).toBe(new X509Certificate(caPem).subject);
    // the country stays a PrintableString as OpenSSL wrote it; names registry-setup makes are all UTF8String
    expect(openssl('asn1parse', '-in', leafFile)).toMatch(/PRINTABLESTRING\s+:DE\n/);
    expect(keyIdOf(leafFile, 'authorityKeyIdentifier')).toBe('0102030405');
    expect(openssl('verify', '-CAfile', join(dir, 'o.pem'), leafFile)).toMatch(/: OK$/m);
  });

  it("computes the key identifier from the CA's key when the CA states none", () => {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'n.key'), '-out', join(dir, 'n.pem'), '-subj', '/CN=No SKI CA', '-days', '30',
      '-addext', 'subjectKeyIdentifier=none', '-addext', 'authorityKeyIdentifier=none');
    const caPem = openssl('x509', '-in', join(dir, 'n.pem'));
    const leafPem = issueLeaf({ ca: { certPem: caPem, keyPem: openssl('pkey', '-in', join(dir, 'n.key')) }, publicKeyPem: pairOf('P-256').publicKeyPem, hosts, days: 20, now, serial: new Uint8Array(8).fill(1) });
    expect(keyIdOf(file('n-leaf.pem', leafPem), 'authorityKeyIdentifier')).toBe(expectedKeyId(new X509Certificate(caPem).publicKey));
  });

  it('refuses a key no client accepts, naming it', () => {
    const ed = generateKeyPairSync('ed25519');
    const caKeys = pairOf('P-256');
    const caPem = issueCa({ keys: caKeys, commonName: 'CA', days: 30, now, serial: new Uint8Array(8).fill(1) });
    const publicKeyPem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => issueLeaf({ ca: { certPem: caPem, keyPem: caKeys.privateKeyPem }, publicKeyPem, hosts, days: 1, now, serial: new Uint8Array(8).fill(1) })).toThrow(/subject key is ed25519; only RSA and ECDSA/);
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => issueLeaf({ ca: { certPem: caPem, keyPem: caKeys.privateKeyPem }, publicKeyPem: k1, hosts, days: 1, now, serial: new Uint8Array(8).fill(1) })).toThrow(/is ec secp256k1;/);
  });
});

describe('keys', () => {
  it('makes ECDSA P-256 keys as PKCS#8 and SPKI, and RSA keys as PKCS#1 and SPKI', async () => {
    const ec = await generateKeyPair({ type: 'ecdsa' });
    expect(ec.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(ec.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(createPrivateKey(ec.privateKeyPem).asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    // OpenSSL (nginx) reads it, and so does Go's tls.X509KeyPair: PKCS#8 is its second try after PKCS#1
    expect(openssl('pkey', '-noout', '-text', '-in', file('ec.key', ec.privateKeyPem))).toMatch(/NIST CURVE: P-256/);
    const rsa = await generateKeyPair({ type: 'rsa', bits: 2048 });
    expect(rsa.privateKeyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
  });

  it('startBundleKeys makes both at once, and a bare number still means RSA bits', async () => {
    const both = await startBundleKeys({ type: 'ecdsa' }, { type: 'rsa', bits: 2048 });
    expect(createPrivateKey(both.leaf.privateKeyPem).asymmetricKeyType).toBe('ec');
    expect(createPrivateKey(both.ca!.privateKeyPem).asymmetricKeyDetails?.modulusLength).toBe(2048);
    const old = await startBundleKeys(2048, null);
    expect(createPrivateKey(old.leaf.privateKeyPem).asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(old.ca).toBeNull();
  });

  it('P-256 CA and server certificate, keys and signatures, take milliseconds', async () => {
    // CPU time, not wall time: a busy machine stretches the second, not the work
    const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
    const runs: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = cpuMs();
      const { leaf, ca } = await startBundleKeys({ type: 'ecdsa' }, { type: 'ecdsa' });
      const certPem = issueCa({ keys: ca!, commonName: 'CA', days: 3650, now, serial: new Uint8Array(16).fill(7) });
      issueLeaf({ ca: { certPem, keyPem: ca!.privateKeyPem }, publicKeyPem: leaf.publicKeyPem, hosts, days: 825, now, serial: new Uint8Array(16).fill(9) });
      runs.push(cpuMs() - t);
    }
    // RSA-2048 key generation alone takes 50 ms of CPU or more; a generous bound that still catches it
    expect(runs.sort((a, b) => a - b)[3]).toBeLessThan(30);
  });

  it('loads only forge\'s ASN.1 module, not all of forge (50 to 100 ms: TLS, PKCS#12, pure-JS RSA)', () => {
    const code = `import { createRequire } from 'node:module';
      await import('./src/pki/issue.ts'); await import('./src/pki/outside-ca.ts');
      console.log(Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('node-forge')).map((k) => k.split('node-forge/')[1]).sort().join(' '));`;
    const loaded = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: join(import.meta.dirname, '../..'), encoding: 'utf8' });
    expect(loaded.trim()).toBe('lib/asn1.js lib/baseN.js lib/forge.js lib/oids.js lib/util.js');
  });
});

describe('describeCert and keySpecOfCert', () => {
  const cert = (kind: Kind) => {
    const keys = pairOf(kind);
    return new X509Certificate(issueCa({ keys, commonName: 'x', days: 1, now, serial: new Uint8Array(8).fill(1) }));
  };

  it.each([
    ['P-256', 'ECDSA P-256', 'ec', 256, { type: 'ecdsa' }],
    ['P-384', 'ECDSA P-384', 'ec', 384, null],
    ['RSA', 'RSA 2048', 'rsa', 2048, { type: 'rsa', bits: 2048 }],
  ] as const)('a %s key reads as %s', (kind, keyDescription, keyType, keyBits, spec) => {
    const c = cert(kind);
    expect(describeCert(c, now)).toMatchObject({ keyDescription, keyType, keyBits });
    expect(keySpecOfCert(c)).toEqual(spec);
  });
});
