import { describe, expect, it } from 'vitest';
import { caExpiryAdvice, decideRenewal, leafDays, mergeHosts, RENEWAL_WINDOW_DAYS, renewalDue, verdictFor, type RenewalInput } from '../../src/pki/renewal.js';
import { parseWithin } from '../../src/options/values.js';
import { resolveRenewFlags } from '../../src/commands/renew/resolve.js';
import { renewedState, planRenewFiles } from '../../src/commands/renew/plan.js';
import type { BundleState } from '../../src/bundle/state.js';

const now = new Date('2026-01-01T00:00:00Z');
const inDays = (d: number) => new Date(now.getTime() + d * 86_400_000);

describe('verdictFor', () => {
  it.each([
    [90, 30, 'ok'],
    [30.5, 30, 'ok'],
    [30, 30, 'expiring'],
    [10, 30, 'expiring'],
    [0.01, 0, 'ok'],
    [0, 30, 'expired'],
    [-5, 30, 'expired'],
  ] as const)('%d days left, window %d -> %s', (left, window, verdict) => {
    expect(verdictFor(inDays(left), now, window)).toBe(verdict);
  });

  it('puts renewal due the window before the end', () => {
    expect(renewalDue(inDays(100), 30).toISOString()).toBe(inDays(70).toISOString());
    expect(RENEWAL_WINDOW_DAYS).toBe(30);
  });
});

describe('decideRenewal', () => {
  const base: RenewalInput = {
    now, windowDays: 30, force: false, certNotAfter: inDays(200),
    certSans: ['IP:10.0.0.5', 'DNS:registry.lan'], recordedHosts: ['10.0.0.5', 'registry.lan'], addHosts: [],
  };

  it('does nothing when the certificate is outside the window, and says when it is due', () => {
    expect(decideRenewal(base)).toEqual({ renew: false, due: inDays(170) });
  });

  it.each([
    [{ certNotAfter: inDays(10) }, 'expiring'],
    [{ certNotAfter: inDays(-1) }, 'expired'],
    [{ force: true }, 'forced'],
    [{ addHosts: ['10.0.0.6'] }, 'new-host'],
    [{ recordedHosts: ['10.0.0.5', 'registry.lan', 'other.lan'] }, 'new-host'],
  ] as const)('renews for %j (%s)', (change, reason) => {
    const d = decideRenewal({ ...base, ...change });
    expect(d.renew && d.reason).toBe(reason);
  });

  it('keeps every SAN: recorded hosts, SANs only the certificate has, then --add-host', () => {
    const d = decideRenewal({ ...base, certSans: [...base.certSans, 'DNS:legacy.lan'], addHosts: ['REGISTRY.lan', 'fd00::5'], force: true });
    expect(d).toMatchObject({ renew: true, hosts: ['10.0.0.5', 'registry.lan', 'legacy.lan', 'fd00::5'], newHosts: ['fd00::5'] });
  });

  it('an --add-host already in the certificate is no reason to renew', () => {
    expect(decideRenewal({ ...base, addHosts: ['registry.lan'] }).renew).toBe(false);
  });
});

describe('mergeHosts and leafDays', () => {
  it('deduplicates by SAN spelling', () => {
    expect(mergeHosts(['fd00:0::5', 'fd00::5', 'A.lan', 'a.lan'])).toEqual(['fd00:0::5', 'a.lan']);
  });

  it('never lets the leaf outlive the CA', () => {
    expect(leafDays(825, inDays(3000), now)).toEqual({ days: 825, cappedByCa: false });
    expect(leafDays(825, inDays(100.5), now)).toEqual({ days: 100, cappedByCa: true });
  });
});

describe('caExpiryAdvice', () => {
  it('is silent for a healthy CA and plain about an ending one', () => {
    expect(caExpiryAdvice(inDays(400), now, 30)).toBeNull();
    const advice = caExpiryAdvice(inDays(20), now, 30)!;
    expect(advice).toMatch(/^the CA \(ca\/ca\.crt\) expires on 2026-01-21; renew never replaces the CA, since every node trusts exactly that one/);
    expect(advice).toMatch(/registry-setup init --dir NEW_DIR/);
    expect(advice).toMatch(/every \*\.crt in it, so both work during the switch/);
    expect(caExpiryAdvice(inDays(-1), now, 30)).toMatch(/expired on 2025-12-31/);
  });
});

describe('renew flags', () => {
  it.each(['abc', '-1', '3651', '1.5', ''])('rejects --within %j as a usage error', (v) => {
    expect(() => parseWithin(v)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/^--within/) }));
  });

  it('defaults and validates the rest', () => {
    expect(parseWithin(undefined)).toBe(30);
    expect(resolveRenewFlags({ addHost: ['[FD00::5]'] })).toMatchObject({ windowDays: 30, days: undefined, addHosts: ['fd00::5'], ca: undefined });
    expect(() => resolveRenewFlags({ caCert: 'x' })).toThrow(/go together/);
    expect(() => resolveRenewFlags({ addHost: ['bad host'] })).toThrow(/^--add-host "bad host"/);
    expect(() => resolveRenewFlags({ days: '0' })).toThrow(/^--days/);
  });
});

describe('the renewal plan', () => {
  const state = { version: 1, mode: 'tls', hosts: ['10.0.0.5'], port: 5000, days: 825 } as BundleState;

  it('records new hosts and a new validity, and nothing when neither changed', () => {
    expect(renewedState(state, ['10.0.0.5'], 825)).toBeNull();
    expect(renewedState(state, ['10.0.0.5', 'r.lan'], 90)).toMatchObject({ hosts: ['10.0.0.5', 'r.lan'], days: 90 });
  });

  it('replaces the key (0600) and certificate (0644) as one set, and the record only when it changed', () => {
    expect(planRenewFiles({ certPem: 'C', keyPem: 'K' }, null, null).map((f) => [f.path, f.mode, f.contents])).toEqual([
      ['certs/registry.key', 0o600, 'K'],
      ['certs/registry.crt', 0o644, 'C'],
    ]);
    expect(planRenewFiles({ certPem: 'C', keyPem: 'K' }, state, null).map((f) => f.path)).toContain('registry-setup.yml');
  });

  it('lists the pair as pending in a dry run, and rewrites the container files when converting an old flat bundle', () => {
    expect(planRenewFiles({ certPem: null, keyPem: null }, null, null).map((f) => f.contents)).toEqual([null, null]);
    const full = { ...state, caDays: 3650, keyType: 'ecdsa', bcryptCost: 5, externalCa: false, image: 'registry:3.1.1', createdAt: 'x' } as BundleState;
    expect(planRenewFiles({ certPem: 'C', keyPem: 'K' }, null, full).map((f) => f.path)).toEqual(['certs/registry.key', 'certs/registry.crt', 'config.yml', 'docker-compose.yml']);
  });
});
