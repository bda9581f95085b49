import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FailError } from '../../src/errors.js';
import { renderState, type BundleState } from '../../src/bundle/state.js';
import { parseState, readBundleState } from '../../src/bundle/read-state.js';

const FILE = '/srv/registry/registry-setup.yml';
const ecdsa: BundleState = {
  version: 1, mode: 'proxy', hosts: ['10.0.0.5', 'registry.lan', '*.apps.lan'], port: 443, days: 825, caDays: 3650, keyType: 'ecdsa',
  bcryptCost: 5, externalCa: false, image: 'registry:3.1.1', createdAt: '2026-01-01T00:00:00.000Z',
};
const rsa: BundleState = { ...ecdsa, mode: 'tls', port: 5000, keyType: 'rsa', keySize: 3072, caKeySize: 4096, externalCa: true };

/** The record's YAML with one key changed (undefined: the key left out). */
function edited(base: BundleState, key: string, value: unknown): string {
  const data: Record<string, unknown> = { ...base };
  if (value === undefined) delete data[key];
  else data[key] = value;
  return stringify(data);
}

/** The FailError parseState throws for `text`, checked to be one line naming FILE. */
function failure(text: string): FailError {
  try {
    parseState(text, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(FailError);
    expect((err as FailError).exitCode).toBe(1);
    expect((err as FailError).message).not.toContain('\n');
    return err as FailError;
  }
  throw new Error('parseState accepted the record');
}

describe('parseState', () => {
  it('reads back what renderState writes, for either key type', () => {
    expect(parseState(renderState(ecdsa), FILE)).toEqual(ecdsa);
    expect(parseState(renderState(rsa), FILE)).toEqual(rsa);
    expect(renderState(ecdsa)).toMatch(/^# registry-setup's record of this bundle\. .*it holds no secrets\.\n/);
  });

  it('reads a record written before ECDSA (no keyType) as RSA, with its recorded sizes', () => {
    const old = [
      'version: 1', 'mode: tls', 'hosts:', '  - 10.0.0.5', 'port: 5000', 'days: 825', 'caDays: 3650', 'keySize: 2048', 'caKeySize: 4096',
      'bcryptCost: 5', 'externalCa: false', 'image: registry:3.0.0', 'createdAt: 2025-06-01T00:00:00.000Z', '',
    ].join('\n');
    expect(parseState(old, FILE)).toEqual({
      version: 1, mode: 'tls', hosts: ['10.0.0.5'], port: 5000, days: 825, caDays: 3650, keyType: 'rsa', keySize: 2048, caKeySize: 4096,
      bcryptCost: 5, externalCa: false, image: 'registry:3.0.0', createdAt: '2025-06-01T00:00:00.000Z',
    });
    // ...and then its sizes are required like any other field
    expect(failure(old.replace('keySize: 2048\n', '')).message).toBe(`${FILE}: keySize is missing`);
  });

  it('an ECDSA record needs no RSA sizes, and carries none it happens to hold', () => {
    expect(parseState(edited(ecdsa, 'keySize', 2048), FILE)).toEqual(ecdsa);
  });

  // Every field: a wrong type, a value the flag would refuse, and the key left out.
  it.each<[string, BundleState, unknown[]]>([
    ['version', ecdsa, ['1', 2, 0]],
    ['mode', ecdsa, [1, 'https', 'TLS', ['tls']]],
    ['hosts', ecdsa, ['10.0.0.5', [], {}, null]],
    ['port', ecdsa, ['443x', 0, 65536, 44.3, true]],
    ['days', ecdsa, ['825d', 0, 3651, -1]],
    ['caDays', ecdsa, ['long', 0, 36501]],
    ['keyType', ecdsa, [1, 'dsa', 'ECDSA', null]],
    ['keySize', rsa, ['big', 1024, 8192, 0]],
    ['caKeySize', rsa, ['big', 1024, 2047]],
    ['bcryptCost', ecdsa, ['five', 3, 15]],
    ['externalCa', ecdsa, ['false', 0, 'yes-please']],
    ['image', ecdsa, [3, '', '   ', ['registry:3']]],
    ['createdAt', ecdsa, [0, '', false]],
  ])('%s: each bad value and its absence fail naming the file and the key', (key, base, bad) => {
    for (const value of bad) {
      const err = failure(edited(base, key, value));
      expect(err.message, `${key}: ${JSON.stringify(value)}`).toMatch(new RegExp(`^${FILE}: ${key}[ \\[]`));
    }
    if (key !== 'keyType') expect(failure(edited(base, key, undefined)).message).toBe(`${FILE}: ${key} is missing`);
  });

  it('checks each host with the --host validator, naming its index', () => {
    expect(failure(edited(ecdsa, 'hosts', ['10.0.0.5', 'bad_name'])).message).toBe(`${FILE}: hosts[1] "bad_name" is neither an IP address nor a valid DNS name`);
    expect(failure(edited(ecdsa, 'hosts', ['224.0.0.1'])).message).toMatch(new RegExp(`^${FILE}: hosts\\[0\\] "224\\.0\\.0\\.1": .*multicast`));
    expect(failure(edited(ecdsa, 'hosts', [5])).message).toMatch(new RegExp(`^${FILE}: hosts\\[0\\] 5 is neither`));
    // hosts are stored in canonical form
    expect(parseState(edited(ecdsa, 'hosts', ['Registry.LAN', '[FD00::5]']), FILE).hosts).toEqual(['registry.lan', 'fd00::5']);
  });

  it('says what is wrong with a message the flag would give', () => {
    expect(failure(edited(ecdsa, 'port', 70000)).message).toBe(`${FILE}: port 70000 must be a whole number from 1 to 65535`);
    expect(failure(edited(ecdsa, 'mode', 'https')).message).toBe(`${FILE}: mode "https" is not one of: tls, proxy, insecure`);
    expect(failure(edited(rsa, 'keySize', 1024)).message).toBe(`${FILE}: keySize 1024: RSA keys of 2048, 3072 or 4096 bits are supported`);
    expect(failure(edited(ecdsa, 'externalCa', 'no')).message).toBe(`${FILE}: externalCa "no" must be true or false`);
    expect(failure(edited(ecdsa, 'version', 2)).message).toBe(`${FILE}: version 2 is not a version this registry-setup reads (1)`);
  });

  it.each([
    ['not YAML', 'mode: [tls\n', new RegExp(`^${FILE} is not valid YAML: `)],
    ['empty', '', new RegExp(`^${FILE} is not a registry-setup bundle record$`)],
    ['a list', '- 1\n', new RegExp(`^${FILE} is not a registry-setup bundle record$`)],
    ['a scalar', 'registry\n', new RegExp(`^${FILE} is not a registry-setup bundle record$`)],
  ])('a file that is %s fails naming it', (_what, text, message) => {
    expect(failure(text).message).toMatch(message);
  });
});

describe('readBundleState', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-state-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads DIR/registry-setup.yml, and says plainly when there is no bundle', () => {
    expect(() => readBundleState(dir)).toThrow(new FailError(`no bundle in ${dir}: ${join(dir, 'registry-setup.yml')} is missing (run registry-setup init, or pass --dir)`));
    writeFileSync(join(dir, 'registry-setup.yml'), renderState(rsa));
    expect(readBundleState(dir)).toEqual(rsa);
    writeFileSync(join(dir, 'registry-setup.yml'), edited(rsa, 'days', 0));
    expect(() => readBundleState(dir)).toThrow(new FailError(`${join(dir, 'registry-setup.yml')}: days 0 must be a whole number from 1 to 3650`));
  });
});
