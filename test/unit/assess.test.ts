import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assessBundle } from '../../src/bundle/assess.js';
import { assessProbe, type ProbeResult } from '../../src/bundle/assess-probe.js';
import type { LoadedBundle } from '../../src/bundle/load.js';
import { pemBlocks } from '../../src/bundle/served-chain.js';
import type { BundleState } from '../../src/bundle/state.js';
import { mainAddress, parseHost, parseRegistryAddress } from '../../src/pki/hosts.js';
import { issueCa, issueLeaf } from '../../src/pki/issue.js';

const pair = () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() };
};
const issued = new Date('2026-01-01T00:00:00Z');
const day = 86_400_000;
const caKeys = pair();
const otherCaKeys = pair();
const leafKeys = pair();
const ca = (keys = caKeys, days = 3650) => issueCa({ keys, commonName: 'test CA', days, now: issued, serial: new Uint8Array(16).fill(7) });
const leaf = (hosts: string[], days = 90, caPem = ca(), caKey = caKeys.privateKeyPem) =>
  issueLeaf({ ca: { certPem: caPem, keyPem: caKey }, publicKeyPem: leafKeys.publicKeyPem, hosts: hosts.map((h) => parseHost(h)), days, now: issued, serial: new Uint8Array(16).fill(9) });
const state: BundleState = {
  version: 1, mode: 'tls', hosts: ['10.0.0.5', 'registry.lan'], port: 5000, days: 90, caDays: 3650, keyType: 'rsa', keySize: 2048, caKeySize: 2048,
  bcryptCost: 5, externalCa: false, image: 'registry:3.0.0', createdAt: issued.toISOString(),
};
const htpasswd = 'alice:$2y$05$abcdefghijklmnopqrstuu5Yb0VIlzJGxUPzVVQ4o3vQ8y5dLZ3tO\n';

/** As loadBundle gives it: `served` is every certificate in certs/registry.crt, the server's first. */
function bundle(over: Partial<LoadedBundle> & { certPem?: string } = {}): LoadedBundle {
  const caPem = over.caCertPem ?? ca();
  const certPem = over.certPem ?? leaf(state.hosts);
  const served = pemBlocks(certPem)!;
  return {
    dir: '/srv/registry', state, caCertPem: caPem, caCert: new X509Certificate(caPem), certPem, cert: served[0]!, served, generation: 'g-20260101T000000000Z-abcdef',
    key: createPrivateKey(leafKeys.privateKeyPem), caKeyPem: caKeys.privateKeyPem, htpasswd, ...over,
  };
}
const at = (days: number) => new Date(issued.getTime() + days * day);

describe('assessBundle', () => {
  it('a fresh bundle is ok, with numeric days left and the users by name', () => {
    const r = assessBundle(bundle(), at(1), 30);
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ ok: true, registry: '10.0.0.5:5000', users: ['alice'], ca: { verdict: 'ok', keyInBundle: true } });
    expect(r.cert).toMatchObject({ verdict: 'ok', daysLeft: 89, chainsToCa: true, keyMatches: true, sansMatchHosts: true, keyType: 'rsa', keyBits: 2048 });
    expect(r.cert.sans).toEqual(['IP:10.0.0.5', 'DNS:registry.lan']);
    expect(JSON.stringify(r)).not.toContain('$2y$');
  });

  it.each([
    [at(70), 'expiring', /expires in 20 days \(2026-04-01\): run registry-setup renew/],
    [at(91), 'expired', /expired on 2026-04-01: run registry-setup renew/],
  ] as const)('%s: %s', (now, verdict, problem) => {
    const r = assessBundle(bundle(), now, 30);
    expect(r.cert.verdict).toBe(verdict);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([expect.stringMatching(problem)]);
  });

  it('an insecure bundle never serves its certificate, so its age is no problem', () => {
    const r = assessBundle(bundle({ state: { ...state, mode: 'insecure' }, htpasswd: null }), at(80), 30);
    expect(r).toMatchObject({ ok: true, users: null, cert: { verdict: 'expiring' } });
  });

  it('finds a key that does not match, a foreign issuer, missing SANs, a missing CA key and no users', () => {
    const foreignCa = ca(otherCaKeys);
    const r = assessBundle(bundle({
      certPem: leaf(['10.0.0.5', 'extra.lan'], 90, foreignCa, otherCaKeys.privateKeyPem),
      key: createPrivateKey(caKeys.privateKeyPem), caKeyPem: null, htpasswd: '# nobody\n',
    }), at(1), 30);
    expect(r.cert).toMatchObject({ chainsToCa: false, keyMatches: false, sansMatchHosts: false, missingSans: ['DNS:registry.lan'], extraSans: ['DNS:extra.lan'] });
    expect(r.problems).toEqual([
      expect.stringMatching(/^certs\/registry\.crt was not issued by ca\/ca\.crt/),
      expect.stringMatching(/^certs\/registry\.key does not match certs\/registry\.crt.*renew --force$/),
      expect.stringMatching(/lacks DNS:registry\.lan from registry-setup\.yml/),
      expect.stringMatching(/^ca\/ca\.key is missing: renew will need the CA as --ca-cert/),
      expect.stringMatching(/has no users, so nobody can log in/),
    ]);
  });

  it('reports a CA that is ending, with what to do', () => {
    const shortCa = ca(caKeys, 100);
    const r = assessBundle(bundle({ caCertPem: shortCa, certPem: leaf(state.hosts, 90, shortCa) }), at(80), 30);
    expect(r.ca.verdict).toBe('expiring');
    expect(r.problems.some((p) => /the CA .* expires on .*renew never replaces the CA/.test(p))).toBe(true);
  });

  it('an outside CA whose key is not in the bundle is expected, not a problem', () => {
    const r = assessBundle(bundle({ caKeyPem: null, state: { ...state, externalCa: true } }), at(1), 30);
    expect(r).toMatchObject({ ok: true, ca: { keyInBundle: false, external: true } });
  });

  it('a missing htpasswd is reported: the registry would invent a user', () => {
    expect(assessBundle(bundle({ htpasswd: null }), at(1), 30).problems).toEqual([expect.stringMatching(/auth\/htpasswd is missing/)]);
  });
});

describe('an outside CA\'s chain', () => {
  /** root → intermediate → server, as a company CA signs: certs/registry.crt holds the server's certificate, then the intermediate. */
  function chain(): { rootPem: string; intPem: string; leafPem: string } {
    const dir = mkdtempSync(join(tmpdir(), 'rs-assess-chain-'));
    try {
      const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'root.key', '-out', 'root.pem',
        '-days', '3650', '-subj', '/O=Corp/CN=Corp Root', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
      openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/O=Corp/CN=Corp Issuing');
      writeFileSync(join(dir, 'int.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
      openssl('x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '1825', '-extfile', 'int.ext', '-out', 'int.pem');
      const read = (f: string) => readFileSync(join(dir, f), 'utf8');
      const leafPem = issueLeaf({ ca: { certPem: read('int.pem'), keyPem: read('int.key') }, publicKeyPem: leafKeys.publicKeyPem,
        hosts: state.hosts.map((h) => parseHost(h)), days: 90, now: issued, serial: new Uint8Array(16).fill(9) });
      return { rootPem: read('root.pem'), intPem: read('int.pem'), leafPem };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('chains to ca/ca.crt through the intermediates certs/registry.crt carries, and not without them', () => {
    const { rootPem, intPem, leafPem } = chain();
    const outside = { caCertPem: rootPem, caCert: new X509Certificate(rootPem), caKeyPem: null, state: { ...state, externalCa: true } };
    const withChain = assessBundle(bundle({ ...outside, certPem: `${leafPem}${intPem}` }), at(1), 30);
    expect(withChain.cert.chainsToCa).toBe(true);
    expect(withChain.problems).toEqual([]);
    const bare = assessBundle(bundle({ ...outside, certPem: leafPem }), at(1), 30);
    expect(bare.cert.chainsToCa).toBe(false);
    expect(bare.problems).toEqual([expect.stringMatching(/^certs\/registry\.crt was not issued by ca\/ca\.crt/)]);
  });
});

describe('assessProbe', () => {
  const fp = 'AA:BB';
  const seen: ProbeResult = { address: '10.0.0.5:5000', scheme: 'https', tlsAuthorized: true, servedFingerprint256: fp, status: 401 };

  it('a verified, current certificate and a 401 is all well', () => {
    expect(assessProbe(seen, fp, '/srv/registry', 'tls')).toMatchObject({ reachable: true, tlsVerified: true, served: 'current', authRequired: true, problems: [] });
  });

  it('tells a stale certificate, with the exact restart command', () => {
    const r = assessProbe({ ...seen, servedFingerprint256: 'CC:DD', servedNotAfter: '2026-01-11T00:00:00.000Z' }, fp, '/srv/registry', 'tls');
    expect(r.served).toBe('stale');
    expect(r.problems).toEqual([expect.stringContaining('valid until 2026-01-11) than certs/registry.crt: it reads it only at start-up; run cd /srv/registry && docker compose restart registry')]);
    // nginx runs with the bundle's whole nginx.conf (-c), so its reload must name that file too
    expect(assessProbe({ ...seen, servedFingerprint256: 'CC:DD' }, fp, '/srv/registry', 'proxy').problems[0]).toContain(
      'run cd /srv/registry && docker compose exec -T nginx nginx -c /etc/registry-setup/.gen/current/nginx/registry.conf -s reload',
    );
    expect(assessProbe({ ...seen, servedFingerprint256: 'CC:DD' }, fp, '/srv/my registry', 'tls').problems[0]).toContain("run cd '/srv/my registry' && docker compose restart registry");
  });

  it.each([
    [{ tlsAuthorized: false, tlsError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, /fails TLS verification with ca\/ca\.crt: UNABLE_TO_VERIFY_LEAF_SIGNATURE/],
    [{ status: 200 }, /answered 200, not 401/],
    [{ error: 'ECONNREFUSED', servedFingerprint256: undefined }, /cannot reach the registry at 10\.0\.0\.5:5000: ECONNREFUSED/],
  ])('%j needs action', (change, problem) => {
    expect(assessProbe({ ...seen, ...change }, fp, '/srv/registry', 'tls').problems).toEqual([expect.stringMatching(problem)]);
  });

  it('plain HTTP in insecure mode: 200 with no authentication is expected', () => {
    expect(assessProbe({ address: 'r:5000', scheme: 'http', status: 200 }, fp, '/d', 'insecure')).toMatchObject({ tlsVerified: null, served: null, authRequired: false, problems: [] });
  });

  it('is wired into the status report', () => {
    const r = assessBundle(bundle(), at(1), 30, { ...seen, servedFingerprint256: 'CC:DD' });
    expect(r).toMatchObject({ ok: false, probe: { served: 'stale' } });
  });
});

describe('addresses', () => {
  it('the main address is the first dialable host, :443 left out', () => {
    expect(mainAddress(['*.apps.lan', 'fd00::5'], 443)).toBe('[fd00::5]');
    expect(mainAddress(['10.0.0.5'], 5000)).toBe('10.0.0.5:5000');
  });

  // status --registry goes through pki/hosts' one grammar (hosts.test.ts has the whole table)
  it.each([
    ['10.0.0.5:5000', { host: '10.0.0.5', port: 5000, address: '10.0.0.5:5000' }],
    ['[FD00::5]:443', { host: 'fd00::5', port: 443, address: '[fd00::5]' }],
    ['registry.lan', { host: 'registry.lan', port: 443, address: 'registry.lan' }],
    // a bare IPv6 cannot carry a port, so it is an address on 443 (it used to be refused)
    ['fd00::5', { host: 'fd00::5', port: 443, address: '[fd00::5]' }],
  ])('parses --registry %s', (raw, want) => expect(parseRegistryAddress(raw)).toEqual(want));

  it.each(['x:0', 'bad host:5000', '[10.0.0.5]:5000', '*.apps.lan:5000'])('rejects --registry %s as a usage error', (raw) => {
    expect(() => parseRegistryAddress(raw)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/^--registry /) }));
  });
});
