import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOutsideCa } from '../../src/pki/outside-ca.js';
import { issueLeaf } from '../../src/pki/issue.js';
import { parseHost } from '../../src/pki/hosts.js';
import { generateKeyPair } from '../../src/pki/keys.js';

const now = new Date();
const dir = mkdtempSync(join(tmpdir(), 'rs-outside-ca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);
const read = (name: string) => readFileSync(at(name), 'utf8');
const write = (name: string, text: string) => (writeFileSync(at(name), text), at(name));
/** Runs openssl; its output, or on failure its stderr, so a failed verify can be asserted on. */
function openssl(...args: string[]): string {
  try {
    return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    return `FAILED ${String((err as { stderr?: string }).stderr ?? err)}`;
  }
}

const NEW_KEY = { ec384: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], ec256: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], rsa: ['-newkey', 'rsa:2048'] };
type Alg = keyof typeof NEW_KEY;

/** An intermediate CA `name`.pem/.key signed by `issuer`; pathlen 0 unless it signs further CAs. */
function subCa(name: string, cn: string, issuer: string, alg: Alg, pathlen = ',pathlen:0'): void {
  openssl('req', '-new', ...NEW_KEY[alg], '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/O=Corp/CN=${cn}`);
  write(`${name}.ext`, `basicConstraints=critical,CA:TRUE${pathlen}\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n`);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-days', '1825',
    '-extfile', `${name}.ext`, '-out', `${name}.pem`);
}

/** A root and an intermediate, as a company CA would have them: the intermediate signs. */
function makeCa(prefix: string, rootAlg: Alg, intAlg: Alg, rootDays = 3650): void {
  openssl('req', '-x509', ...NEW_KEY[rootAlg], '-nodes', '-keyout', `${prefix}-root.key`, '-out', `${prefix}-root.pem`, '-days', String(rootDays),
    '-subj', `/O=Corp/CN=${prefix} Root`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  subCa(`${prefix}-int`, `${prefix} Intermediate`, `${prefix}-root`, intAlg);
}

const hosts = ['10.0.0.5', 'registry.lan'].map((h) => parseHost(h));

async function leafFrom(ca: { certPem: string; keyPem: string }, name: string): Promise<string> {
  const keys = await generateKeyPair({ type: 'ecdsa' });
  return write(name, issueLeaf({ ca, publicKeyPem: keys.publicKeyPem, hosts, days: 825, now, serial: randomBytes(16) }));
}

beforeAll(() => {
  makeCa('ec', 'ec384', 'ec256');
  makeCa('rsa', 'rsa', 'rsa');
  makeCa('other', 'ec256', 'ec256');
  makeCa('short', 'ec256', 'ec256', 100);
  // as `openssl x509 -subject` prints them: "subject=" lines before each block are common in chain files
  for (const p of ['ec', 'rsa', 'other', 'short']) {
    write(`${p}-chain.pem`, openssl('x509', '-subject', '-in', `${p}-int.pem`) + '\n' + openssl('x509', '-subject', '-issuer', '-in', `${p}-root.pem`));
  }
});

describe('loadOutsideCa with root → intermediate → our leaf', () => {
  it.each(['ec', 'rsa'])('%s: signs with the intermediate; nodes trust the root; the server sends the intermediate', async (p) => {
    const ca = loadOutsideCa(at(`${p}-chain.pem`), at(`${p}-int.key`), now, 825);
    expect(new X509Certificate(ca.certPem).subject).toContain(`${p} Intermediate`);
    expect(ca.rootPem).toBe(new X509Certificate(read(`${p}-root.pem`)).toString());
    expect(ca.chainPem).toBe(ca.certPem);
    const leaf = await leafFrom(ca, `${p}-leaf.pem`);
    write(`${p}-served-chain.pem`, ca.chainPem);
    write(`${p}-trusted.pem`, ca.rootPem);
    expect(openssl('verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', `${p}-trusted.pem`, '-untrusted', `${p}-served-chain.pem`, leaf)).toMatch(/: OK\n$/);
    // and the intermediate is really needed: the root alone does not verify the leaf
    expect(openssl('verify', '-CAfile', `${p}-trusted.pem`, leaf)).toMatch(/^FAILED .*unable to get local issuer certificate/s);
  });

  it.each([
    ['PKCS#8', (k: string) => createPrivateKey(k).export({ type: 'pkcs8', format: 'pem' })],
    ['SEC1', (k: string) => createPrivateKey(k).export({ type: 'sec1', format: 'pem' })],
  ])('reads an EC CA key as %s', (_, encode) => {
    const keyFile = write('ec-int.variant.key', encode(read('ec-int.key')).toString());
    const ca = loadOutsideCa(at('ec-chain.pem'), keyFile, now, 825);
    expect(createPrivateKey(ca.keyPem).asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
  });

  it.each([
    ['PKCS#8', (k: string) => createPrivateKey(k).export({ type: 'pkcs8', format: 'pem' })],
    ['PKCS#1', (k: string) => createPrivateKey(k).export({ type: 'pkcs1', format: 'pem' })],
  ])('reads an RSA CA key as %s', (_, encode) => {
    const keyFile = write('rsa-int.variant.key', encode(read('rsa-int.key')).toString());
    expect(loadOutsideCa(at('rsa-chain.pem'), keyFile, now, 825).keyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
  });

  it('sends every intermediate, signing CA first, from a two-intermediate chain with CRLF line ends', async () => {
    subCa('rsa-mid', 'rsa Mid', 'rsa-root', 'rsa', '');
    subCa('rsa-issuing', 'rsa Issuing', 'rsa-mid', 'ec256');
    const file = write('deep-chain.pem', ['rsa-issuing', 'rsa-mid', 'rsa-root'].map((n) => read(`${n}.pem`)).join('').replace(/\n/g, '\r\n'));
    const ca = loadOutsideCa(file, at('rsa-issuing.key'), now, 825);
    expect(ca.chainPem.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
    expect(ca.chainPem).toBe(ca.certPem + new X509Certificate(read('rsa-mid.pem')).toString());
    const leaf = await leafFrom(ca, 'deep-leaf.pem');
    write('deep-served.pem', ca.chainPem);
    write('deep-trusted.pem', ca.rootPem);
    expect(openssl('verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', 'deep-trusted.pem', '-untrusted', 'deep-served.pem', leaf)).toMatch(/: OK\n$/);
  });

  it('a single self-signed CA is its own root, with nothing to send after the leaf', async () => {
    const ca = loadOutsideCa(at('ec-root.pem'), at('ec-root.key'), now, 825);
    expect(ca).toMatchObject({ rootPem: ca.certPem, chainPem: '' });
    const leaf = await leafFrom(ca, 'root-leaf.pem');
    expect(openssl('verify', '-x509_strict', '-CAfile', 'ec-root.pem', leaf)).toMatch(/: OK\n$/);
  });
});

describe('loadOutsideCa refuses chains that would break later', () => {
  const serverCert = () => {
    const publicKeyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    return issueLeaf({ ca: { certPem: read('ec-int.pem'), keyPem: read('ec-int.key') }, publicKeyPem, hosts, days: 30, now, serial: randomBytes(16) });
  };

  it.each([
    ['in the wrong order', () => read('ec-root.pem') + read('ec-int.pem'), 'ec-root.key',
      /^--ca-cert \S+bad\.pem: "O=Corp, CN=ec Root" \(block 1\) was not issued by the next block, "O=Corp, CN=ec Intermediate"; list the signing CA first/],
    ['with an unrelated root', () => read('ec-int.pem') + read('other-root.pem'), 'ec-int.key',
      /^--ca-cert \S+bad\.pem: "O=Corp, CN=ec Intermediate" \(block 1\) was not issued by the next block, "O=Corp, CN=other Root"/],
    ['with a server certificate in it', () => serverCert() + read('ec-int.pem') + read('ec-root.pem'), 'ec-int.key',
      /^--ca-cert \S+bad\.pem: "CN=10.0.0.5" \(block 1\) is not a CA certificate/],
    ['with a private key in it', () => read('ec-int.pem') + read('ec-int.key'), 'ec-int.key',
      /^--ca-cert \S+bad\.pem \(block 2 of 2\) holds a PRIVATE KEY, not a CERTIFICATE/],
    ['with a damaged block', () => read('ec-int.pem') + read('ec-root.pem').replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!'), 'ec-int.key',
      /^--ca-cert \S+bad\.pem \(block 2 of 2\) is not a readable PEM certificate$/],
    ['cut short', () => read('ec-int.pem') + read('ec-root.pem').slice(0, 200), 'ec-int.key', /^--ca-cert \S+bad\.pem has a PEM block without its matching -----END line/],
    ['with nothing in it', () => 'subject=CN = nothing\n', 'ec-int.key', /^--ca-cert \S+bad\.pem is not a PEM certificate$/],
  ])('a --ca-cert file %s', (_, text, key, message) => {
    const file = write('bad.pem', text());
    expect(() => loadOutsideCa(file, at(key), now, 825)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(message) }));
  });

  it('the key must be the first block\'s: the one that signs', () => {
    expect(() => loadOutsideCa(at('ec-chain.pem'), at('ec-root.key'), now, 825)).toThrow(/^--ca-key \S+ec-root\.key does not match --ca-cert \S+ec-chain\.pem \(the first certificate, which must be the one that signs\)$/);
  });

  it('the chain is as good as its first certificate to end', () => {
    expect(() => loadOutsideCa(at('short-chain.pem'), at('short-int.key'), now, 825)).toThrow(
      /^--ca-cert \S+short-chain\.pem \(its block 2, O=Corp, CN=short Root\) expires on \d{4}-\d\d-\d\d, before a 825-day server certificate would; lower --days$/,
    );
    expect(loadOutsideCa(at('short-chain.pem'), at('short-int.key'), now, 90).chainPem).not.toBe('');
  });

  it('refuses a key type clients do not take, naming the flag and file', () => {
    openssl('req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', 'ed.key', '-out', 'ed.pem', '-subj', '/CN=Ed CA', '-days', '30');
    expect(() => loadOutsideCa(at('ed.pem'), at('ed.key'), now, 1)).toThrow(/^--ca-key \S+ed\.key is ed25519; only RSA and ECDSA P-256, P-384 or P-521 keys are supported/);
  });
});
