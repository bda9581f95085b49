import { describe, expect, it } from 'vitest';
import { dialableHosts, hostOfAddress, ipBytes, ipVersion, mainAddress, parseHost, parseRegistryAddress, registryAddress } from '../../src/pki/hosts.js';

describe('parseHost', () => {
  it.each([
    ['10.0.0.5', { kind: 'ip', value: '10.0.0.5', version: 4 }],
    ['fd00::1', { kind: 'ip', value: 'fd00::1', version: 6 }],
    ['[fd00::1]', { kind: 'ip', value: 'fd00::1', version: 6 }],
    ['Registry.LAN', { kind: 'dns', value: 'registry.lan' }],
    ['registry', { kind: 'dns', value: 'registry' }],
    ['*.example.com', { kind: 'dns', value: '*.example.com' }],
    // neighbours of the refused ranges stay allowed
    ['223.255.255.255', { kind: 'ip', value: '223.255.255.255', version: 4 }],
    ['240.0.0.1', { kind: 'ip', value: '240.0.0.1', version: 4 }],
    ['fe80::1', { kind: 'ip', value: 'fe80::1', version: 6 }],
    ['::1', { kind: 'ip', value: '::1', version: 6 }],
    ['::ffff:10.0.0.5', { kind: 'ip', value: '::ffff:10.0.0.5', version: 6 }],
  ])('accepts %s', (raw, host) => expect(parseHost(raw)).toEqual(host));

  it('explains why a wildcard under a top-level name is refused', () => {
    expect(() => parseHost('*.lan')).toThrow(`--host "*.lan": a wildcard needs two labels after '*.' (like *.apps.example.com)`);
  });

  it.each(['10.0.0.300', '1.2.3', 'bad_name.lan', '-lead.lan', 'a..b', 'foo.*.com', '*.*.lan', '', 'x'.repeat(64) + '.lan'])(
    'rejects %j naming the flag',
    (raw) => expect(() => parseHost(raw)).toThrow(/^--host .* is neither an IP address nor a valid DNS name$/),
  );

  // Each of these used to become an IP SAN no client can use (a zone ID even made an invalid one).
  it.each([
    ['fe80::1%eth0', /^--add-host "fe80::1%eth0": the zone ID %eth0 only means something on one machine/],
    ['[fe80::1%25en0]', /^--add-host "\[fe80::1%25en0\]": the zone ID %25en0 /],
    ['0.0.0.0', /^--add-host "0.0.0.0": 0.0.0.0 is 'any address', which a server listens on but no client can dial$/],
    ['::', /^--add-host "::": :: is 'any address' \(::\)/],
    ['::ffff:0.0.0.0', /'any address'/],
    ['255.255.255.255', /is the broadcast address, which no client can dial$/],
    ['224.0.0.1', /is a multicast address \(224\.0\.0\.0\/4\)/],
    ['239.255.255.250', /multicast/],
    ['ff02::1', /is a multicast address \(ff00::\/8\)/],
    ['FF05::1:3', /multicast/],
    ['::ffff:224.0.0.1', /is a multicast address \(224\.0\.0\.0\/4\)/],
    ['::ffff:e000:1', /multicast/],
    ['[::ffff:255.255.255.255]', /broadcast/],
  ])('refuses %s, saying why, naming the flag', (raw, why) => {
    expect(() => parseHost(raw, '--add-host')).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(why) }));
  });
});

describe('ipVersion', () => {
  it.each([['10.0.0.5', 4], ['fd00::5', 6], ['::', 6], ['registry.lan', 0], ['1.2.3', 0], ['a:b', 0], ['10.0.0.5:5000', 0], ['', 0]] as const)(
    '%j is %d, as net.isIP says',
    (text, version) => expect(ipVersion(text)).toBe(version),
  );
});

describe('ipBytes', () => {
  it.each([
    ['10.0.0.5', '0a000005'],
    ['fd00::5', 'fd000000000000000000000000000005'],
    ['::ffff:1.2.3.4', '00000000000000000000ffff01020304'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['::', '0'.repeat(32)],
  ])('%s is the SAN bytes %s', (ip, hex) => expect(Buffer.from(ipBytes(ip)).toString('hex')).toBe(hex));
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

  it('mainAddress is the first host a client can dial, spelled as image references spell it', () => {
    expect(mainAddress(['*.apps.lan', 'fd00::5'], 443)).toBe('[fd00::5]');
    expect(mainAddress(['10.0.0.5', 'r.lan'], 5000)).toBe('10.0.0.5:5000');
  });
});

describe('parseRegistryAddress', () => {
  it.each([
    ['10.0.0.5:5000', '10.0.0.5', 5000, '10.0.0.5:5000'],
    ['Registry.LAN:5000', 'registry.lan', 5000, 'registry.lan:5000'],
    ['registry.lan', 'registry.lan', 443, 'registry.lan'],
    ['registry.lan:443', 'registry.lan', 443, 'registry.lan'],
    ['[fd00::5]:5000', 'fd00::5', 5000, '[fd00::5]:5000'],
    ['[fd00::5]', 'fd00::5', 443, '[fd00::5]'],
    // a bare IPv6 cannot carry a port: fd00::5000 is an address, not fd00: plus a port
    ['fd00::5000', 'fd00::5000', 443, '[fd00::5000]'],
    ['::1', '::1', 443, '[::1]'],
    [' 10.0.0.5:05000 ', '10.0.0.5', 5000, '10.0.0.5:5000'],
  ])('%j → host %s, port %d, address %s', (raw, host, port, address) => {
    expect(parseRegistryAddress(raw)).toEqual({ host, port, address });
  });

  it.each([
    ['r.lan:', /^--registry "r.lan:": the port must be a whole number from 1 to 65535$/],
    ['r.lan:0', /the port must be/],
    ['r.lan:65536', /the port must be/],
    ['r.lan:5000x', /the port must be/],
    ['[fd00::5]:99999', /the port must be/],
    ['', /^--registry "" must be HOST:PORT \(IPv6 as \[ADDR\]:PORT\)$/],
    [':5000', /must be HOST:PORT/],
    ['[10.0.0.5]:5000', /brackets are only for IPv6 addresses$/],
    ['*.apps.lan:5000', /^--registry "\*.apps.lan:5000": a wildcard name cannot be dialled/],
    ['0.0.0.0:5000', /^--registry "0.0.0.0": 0.0.0.0 is 'any address'/],
    ['[fe80::1%eth0]:5000', /zone ID %eth0/],
    ['bad_name:5000', /^--registry "bad_name" is neither an IP address nor a valid DNS name$/],
    ['r.lan:50:00', /neither an IP address nor a valid DNS name/],
  ])('refuses %j naming the flag', (raw, message) => {
    expect(() => parseRegistryAddress(raw)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(message) }));
  });

  it('names the flag it was given', () => {
    expect(() => parseRegistryAddress('r.lan:0', '--probe')).toThrow(/^--probe "r.lan:0"/);
  });

  it('hostOfAddress reads back the host of every spelling it produces', () => {
    for (const raw of ['10.0.0.5:5000', 'registry.lan', '[fd00::5]:5000', '[fd00::5]', 'fd00::5000', 'r.lan:443']) {
      const parsed = parseRegistryAddress(raw);
      expect(hostOfAddress(parsed.address)).toBe(parsed.host);
    }
  });
});
