import { describe, expect, it } from 'vitest';
import { removeHtpasswdUser, setHtpasswdUser } from '../../src/render/htpasswd-edit.js';

const A = 'alice:$2y$05$aaaaaaaaaaaaaaaaaaaaaa';
const B = 'bob:$2y$05$bbbbbbbbbbbbbbbbbbbbbb';

describe('htpasswd edits', () => {
  it('appends a new user and keeps every other line, comments included', () => {
    expect(setHtpasswdUser(`# team\n${A}\n`, 'carol', 'HASH')).toBe(`# team\n${A}\ncarol:HASH\n`);
    expect(setHtpasswdUser('', 'carol', 'HASH')).toBe('carol:HASH\n');
    expect(setHtpasswdUser(A, 'carol', 'HASH')).toBe(`${A}\ncarol:HASH\n`); // no final newline before
  });

  it('replaces a user in place, dropping its old (even non-bcrypt) lines', () => {
    expect(setHtpasswdUser(`${A}\n${B}\nalice:{SHA}old\n`, 'alice', 'NEW')).toBe(`alice:NEW\n${B}\n`);
  });

  it('does not take a user whose name merely starts the same', () => {
    expect(setHtpasswdUser(`${A}\n`, 'ali', 'X')).toBe(`${A}\nali:X\n`);
    expect(removeHtpasswdUser(`${A}\n`, 'ali')).toEqual({ text: `${A}\n`, removed: false });
  });

  it('removes a user and says whether it was there', () => {
    expect(removeHtpasswdUser(`${A}\n${B}\n`, 'alice')).toEqual({ text: `${B}\n`, removed: true });
    expect(removeHtpasswdUser(`${B}\n`, 'bob')).toEqual({ text: '', removed: true });
  });
});
