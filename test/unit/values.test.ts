import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { RENEWAL_WINDOW_DAYS } from '../../src/pki/renewal.js';
import {
  parseBcryptCost, parseCaDays, parseCaPair, parseChoice, parseDays, parseDir, parseHostValue, parseIntFlag, parseKeySize, parseKeyType,
  parsePort, parseWithin, splitList, wholeNumber,
} from '../../src/options/values.js';

/** A usage error (exit 2) whose one line matches `message`. */
const usage = (message: RegExp | string) =>
  expect.objectContaining({ exitCode: 2, message: typeof message === 'string' ? message : expect.stringMatching(message) });

describe('wholeNumber', () => {
  it.each([['1', 1], ['65535', 65535], [' 443 ', 443], ['007', 7], [5, 5], [5.0, 5]])('takes %j as %d', (v, n) => {
    expect(wholeNumber(v, '--n', 1, 65535)).toBe(n);
  });

  it.each<[unknown, string]>([
    ['0', '"0"'], ['65536', '"65536"'], ['-1', '"-1"'], ['5e3', '"5e3"'], ['abc', '"abc"'], ['80.5', '"80.5"'], ['', '""'], ['0x50', '"0x50"'],
    [0, '0'], [80.5, '80.5'], [-3, '-3'], [Number.NaN, 'null'], [true, 'true'], [null, 'null'], [undefined, 'null'], [[80], '[80]'],
  ])('refuses %j, quoting it as %s and naming the label and range', (v, shown) => {
    expect(() => wholeNumber(v, '--n', 1, 65535)).toThrow(usage(`--n ${shown} must be a whole number from 1 to 65535`));
  });

  it('is what parseIntFlag is', () => expect(parseIntFlag).toBe(wholeNumber));
});

describe('the number flags', () => {
  it.each([
    ['parsePort', '--port', 1, 65535, parsePort],
    ['parseDays', '--days', 1, 3650, parseDays],
    ['parseCaDays', '--ca-days', 1, 36500, parseCaDays],
    ['parseBcryptCost', '--bcrypt-cost', 4, 14, parseBcryptCost],
  ] as const)('%s takes %s from %d to %d, and nothing past either end', (_name, flag, min, max, parse) => {
    expect(parse(String(min))).toBe(min);
    expect(parse(String(max))).toBe(max);
    expect(parse(max)).toBe(max);
    for (const bad of [String(min - 1), String(max + 1)]) {
      expect(() => parse(bad)).toThrow(UsageError);
      expect(() => parse(bad)).toThrow(`${flag} "${bad}" must be a whole number from ${min} to ${max}`);
    }
    // the label is the flag by default, and the key of registry-setup.yml when the file is read
    expect(() => parse('x', 'port')).toThrow(usage(new RegExp(`^port "x" must be a whole number from ${min} to ${max}$`)));
  });
});

describe('parseWithin', () => {
  it('defaults to the renewal window, and takes 0 (only an expired certificate is due)', () => {
    expect(parseWithin(undefined)).toBe(RENEWAL_WINDOW_DAYS);
    expect(parseWithin('0')).toBe(0);
    expect(parseWithin('3650')).toBe(3650);
  });

  it.each(['-1', '3651', '1w', ''])('refuses --within %j', (v) => {
    expect(() => parseWithin(v)).toThrow(usage(/^--within ".*" must be a whole number from 0 to 3650$/));
  });
});

describe('parseChoice and parseKeyType', () => {
  it('names the choices for an unknown value', () => {
    expect(parseChoice('proxy', '--mode', ['tls', 'proxy', 'insecure'])).toBe('proxy');
    expect(() => parseChoice('tsl', '--mode', ['tls', 'proxy', 'insecure'])).toThrow(usage('--mode "tsl" is not one of: tls, proxy, insecure'));
    expect(() => parseChoice(1, 'mode', ['tls'])).toThrow(usage('mode 1 is not one of: tls'));
    expect(() => parseChoice(undefined, 'mode', ['tls'])).toThrow(usage('mode null is not one of: tls'));
  });

  it('takes ecdsa and rsa, exactly as spelled', () => {
    expect(parseKeyType('ecdsa')).toBe('ecdsa');
    expect(parseKeyType('rsa')).toBe('rsa');
    for (const bad of ['RSA', 'ec', 'ed25519', '']) expect(() => parseKeyType(bad)).toThrow(usage(`--key-type ${JSON.stringify(bad)} is not one of: ecdsa, rsa`));
    expect(() => parseKeyType('dsa', 'keyType')).toThrow(usage(/^keyType "dsa"/));
  });
});

describe('parseKeySize', () => {
  it.each([['2048', 2048], ['3072', 3072], ['4096', 4096], [4096, 4096]])('takes %j', (v, n) => expect(parseKeySize(v, '--key-size')).toBe(n));

  it('allows only the RSA sizes clients take, naming the flag', () => {
    expect(() => parseKeySize('1024', '--key-size')).toThrow(usage('--key-size 1024: RSA keys of 2048, 3072 or 4096 bits are supported'));
    expect(() => parseKeySize('8192', '--ca-key-size')).toThrow(usage(/^--ca-key-size 8192: /));
    expect(() => parseKeySize('2k', '--key-size')).toThrow(usage(/^--key-size "2k" must be a whole number/));
  });
});

describe('parseHostValue', () => {
  it('gives the canonical form of an address', () => {
    expect(parseHostValue('Registry.LAN')).toBe('registry.lan');
    expect(parseHostValue('[FD00::5]', '--add-host')).toBe('fd00::5');
    expect(parseHostValue(' 10.0.0.5 ')).toBe('10.0.0.5');
  });

  it.each<[unknown, string, RegExp]>([
    [5, '--host', /^--host 5 is neither an IP address nor a DNS name$/],
    [null, 'hosts[0]', /^hosts\[0\] null is neither/],
    ['bad_name.lan', '--add-host', /^--add-host "bad_name.lan" is neither an IP address nor a valid DNS name$/],
    ['0.0.0.0', '--host', /^--host "0.0.0.0": 0.0.0.0 is 'any address'/],
  ])('refuses %j naming %s', (v, label, message) => {
    expect(() => parseHostValue(v, label)).toThrow(usage(message));
  });
});

describe('parseDir', () => {
  it('takes any path, . included', () => {
    expect(parseDir('.')).toBe('.');
    expect(parseDir('/srv/my registry')).toBe('/srv/my registry');
  });

  it.each<[unknown, string]>([['', '""'], ['   ', '"   "'], ['a\0b', '"a\\u0000b"'], [undefined, 'null'], [3, '3']])(
    'refuses %j: it would silently mean the current directory, or no directory',
    (v, shown) => {
      expect(() => parseDir(v)).toThrow(UsageError);
      expect(() => parseDir(v)).toThrow(`--dir ${shown} must name a directory (use . for this one)`);
    },
  );

  it('names another flag when told', () => expect(() => parseDir('', '--root')).toThrow(usage(/^--root "" must name a directory/)));
});

describe('splitList and parseCaPair', () => {
  it('splits lists as people type them', () => {
    expect(splitList(' a, b  c,,')).toEqual(['a', 'b', 'c']);
    expect(splitList('a\tb\nc')).toEqual(['a', 'b', 'c']);
    expect(splitList(' , ')).toEqual([]);
  });

  it('takes --ca-cert and --ca-key together or not at all', () => {
    expect(parseCaPair({})).toBeUndefined();
    expect(parseCaPair({ caCert: 'ca.pem', caKey: 'ca.key' })).toEqual({ certFile: 'ca.pem', keyFile: 'ca.key' });
    for (const half of [{ caCert: 'ca.pem' }, { caKey: 'ca.key' }, { caCert: '', caKey: 'ca.key' }]) {
      expect(() => parseCaPair(half)).toThrow(usage('--ca-cert and --ca-key go together: pass both, or neither'));
    }
  });
});
