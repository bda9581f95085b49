import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import bcryptjs from 'bcryptjs';
import { formatHtpasswd, generatePassword, hashPasswordAsync, parseHtpasswd, validatePassword, validateUserName } from '../../src/render/htpasswd.js';
import { bcryptHash } from '../../src/render/bcrypt.js';

describe('htpasswd', () => {
  it('hashes with bcrypt at the cost asked for, as bcryptjs verifies', async () => {
    const hash = await hashPasswordAsync('s3cret', 5);
    expect(hash).toMatch(/^\$2b\$05\$[./A-Za-z0-9]{53}$/);
    expect(bcryptjs.compareSync('s3cret', hash)).toBe(true);
    expect(bcryptjs.compareSync('wrong', hash)).toBe(false);
    expect(await hashPasswordAsync('s3cret', 5)).not.toBe(hash); // a fresh salt each time
  });

  it('computes the same bcrypt as bcryptjs, byte for byte, over passwords, salts and costs', async () => {
    const passwords = ['', 'a', 's3cret', 'ünïcödé ✓ 密码', 'x'.repeat(71), 'y'.repeat(72), 'z'.repeat(100), generatePassword(randomBytes(24))];
    for (const [i, password] of passwords.entries()) {
      for (const cost of [4, 5, 6]) {
        const salt = i === 0 ? Buffer.alloc(16) : randomBytes(16);
        const ours = await bcryptHash(password, cost, salt);
        expect(ours).toBe(bcryptjs.hashSync(password, ours.slice(0, 29)));
      }
    }
    await expect(bcryptHash('x', 3, Buffer.alloc(16))).rejects.toThrow('cost 3');
    await expect(bcryptHash('x', 5, Buffer.alloc(15))).rejects.toThrow('16 bytes');
  });

  it('yields to the event loop while it hashes, so a signal is handled at once', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const hash = await bcryptHash('s3cret', 12, randomBytes(16)); // a few hundred ms
    clearInterval(timer);
    expect(bcryptjs.compareSync('s3cret', hash)).toBe(true);
    expect(ticks).toBeGreaterThan(3);
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
