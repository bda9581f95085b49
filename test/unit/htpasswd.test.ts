import { describe, expect, it } from 'vitest';
import { formatHtpasswd, generatePassword, hashPassword, parseHtpasswd, validatePassword, validateUserName, verifyPassword } from '../../src/render/htpasswd.js';

describe('htpasswd', () => {
  it('hashes with bcrypt at the cost asked for, and verifies', () => {
    const hash = hashPassword('s3cret', 5);
    expect(hash).toMatch(/^\$2[aby]\$05\$/);
    expect(verifyPassword('s3cret', hash)).toBe(true);
    expect(verifyPassword('wrong', hash)).toBe(false);
  });

  it('verifies the $2y$ hashes `htpasswd -B` writes (a vector from Apache htpasswd 2.4), as the registry does', () => {
    const fromApache = '$2y$05$rgu.k9LBaHIUDrQbvmAmv.KvJJUJBlrimhRzFmftLCL5QCRJM5.N2'; // htpasswd -nbB -C 5 u pw
    expect(verifyPassword('pw', fromApache)).toBe(true);
    expect(verifyPassword('pW', fromApache)).toBe(false);
  });

  it('round-trips entries and drops lines the registry would ignore', () => {
    const text = 'alice:$2y$05$abcdefghijklmnopqrstuu5Yb0VIlzJGxUPzVVQ4o3vQ8y5dLZ3tO\nbob:{SHA}old\ncarol:$apr1$md5$hash\n# note\n';
    const entries = parseHtpasswd(text);
    expect(entries.map((e) => e.user)).toEqual(['alice']);
    expect(formatHtpasswd(entries)).toBe(text.split('\n')[0] + '\n');
  });

  it.each([
    ['a:b', /cannot contain ':'/],
    ['', /use 1-64 letters/],
    ['has space', /use 1-64 letters/],
    ['-dash', /use 1-64 letters/],
  ])('rejects user %j', (name, msg) => expect(() => validateUserName(name)).toThrow(msg));

  it('rejects empty and multi-line passwords', () => {
    expect(() => validatePassword('', 'alice')).toThrow('the password for alice is empty');
    expect(() => validatePassword('a\nb', 'alice')).toThrow(/line break/);
  });

  it('generates 192-bit url-safe passwords from the randomness it is given', () => {
    const pw = generatePassword(new Uint8Array(24).fill(255));
    expect(pw).toBe('_'.repeat(32));
    expect(generatePassword(new Uint8Array(24))).toHaveLength(32);
  });
});
