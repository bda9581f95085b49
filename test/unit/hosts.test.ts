import { describe, expect, it } from 'vitest';
import { dialableHosts, parseHost, registryAddress } from '../../src/pki/hosts.js';

describe('parseHost', () => {
  it.each([
    ['10.0.0.5', { kind: 'ip', value: '10.0.0.5', version: 4 }],
    ['fd00::1', { kind: 'ip', value: 'fd00::1', version: 6 }],
    ['[fd00::1]', { kind: 'ip', value: 'fd00::1', version: 6 }],
    ['Registry.LAN', { kind: 'dns', value: 'registry.lan' }],
    ['registry', { kind: 'dns', value: 'registry' }],
    ['*.example.com', { kind: 'dns', value: '*.example.com' }],
  ])('accepts %s', (raw, host) => expect(parseHost(raw)).toEqual(host));

  it('explains why a wildcard under a top-level name is refused', () => {
    expect(() => parseHost('*.lan')).toThrow(`--host "*.lan": a wildcard needs two labels after '*.' (like *.apps.example.com)`);
  });

  it.each(['10.0.0.300', '1.2.3', 'bad_name.lan', '-lead.lan', 'a..b', 'foo.*.com', '*.*.lan', '', 'x'.repeat(64) + '.lan'])(
    'rejects %j naming the flag',
    (raw) => expect(() => parseHost(raw)).toThrow(/^--host .* is neither an IP address nor a valid DNS name$/),
  );
});

describe('registryAddress', () => {
  it.each([
    ['10.0.0.5', 5000, '10.0.0.5:5000'],
    ['registry.lan', 443, 'registry.lan'],
    ['fd00::1', 5000, '[fd00::1]:5000'],
  ])('%s:%d → %s', (h, p, want) => expect(registryAddress(h, p)).toBe(want));

  it('never offers a wildcard as an address to dial', () => {
    expect(dialableHosts(['*.lan', 'a.lan', '10.0.0.1'])).toEqual(['a.lan', '10.0.0.1']);
  });
});
