import { describe, expect, it } from 'vitest';
import { parseChoice, parseKeySize, parsePort, splitList } from '../../src/options/parse.js';
import { UsageError } from '../../src/errors.js';

describe('flag parsing', () => {
  it.each(['0', '65536', '-1', '5e3', 'abc', '80.5', ''])('rejects --port %j', (v) => {
    expect(() => parsePort(v)).toThrow(UsageError);
    expect(() => parsePort(v)).toThrow(/^--port ".*" must be a whole number from 1 to 65535$/);
  });
  it.each([['1', 1], ['65535', 65535], [' 443 ', 443]])('accepts --port %j', (v, n) => expect(parsePort(v)).toBe(n));
  it('names the choices for an unknown mode', () => {
    expect(() => parseChoice('tsl', '--mode', ['tls', 'proxy', 'insecure'])).toThrow('--mode "tsl" is not one of: tls, proxy, insecure');
  });
  it('allows only the RSA sizes clients take', () => {
    expect(parseKeySize('3072', '--key-size')).toBe(3072);
    expect(() => parseKeySize('1024', '--key-size')).toThrow(/--key-size 1024/);
  });
  it('splits lists as people type them', () => expect(splitList(' a, b  c,,')).toEqual(['a', 'b', 'c']));
});
