import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyFilePlan, existingPaths } from '../../src/io/file-plan.js';
import { writeFileAtomic, backupFile } from '../../src/io/atomic-write.js';

const files = [
  { path: 'ca/ca.key', contents: 'KEY', mode: 0o600 },
  { path: 'config.yml', contents: 'cfg', mode: 0o644 },
];
const tmp = () => mkdtempSync(join(tmpdir(), 'rs-plan-'));
const mode = (p: string) => statSync(p).mode & 0o777;

describe('applyFilePlan', () => {
  it('creates a new bundle with one rename, leaving no staging directory', () => {
    const parent = tmp();
    applyFilePlan(join(parent, 'reg'), files, 'S', ['data']);
    expect(readdirSync(parent)).toEqual(['reg']);
    expect(mode(join(parent, 'reg'))).toBe(0o700);
    expect(mode(join(parent, 'reg/ca/ca.key'))).toBe(0o600);
    expect(readFileSync(join(parent, 'reg/config.yml'), 'utf8')).toBe('cfg');
    expect(statSync(join(parent, 'reg/data')).isDirectory()).toBe(true);
  });

  it('replacing keeps every old file in .replaced-STAMP and leaves other files alone', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'ca'));
    writeFileSync(join(dir, 'ca/ca.key'), 'OLD');
    writeFileSync(join(dir, 'images.txt'), 'mine');
    expect(existingPaths(dir, files.map((f) => f.path))).toEqual(['ca/ca.key']);
    applyFilePlan(dir, files, 'S1');
    expect(readFileSync(join(dir, 'ca/ca.key'), 'utf8')).toBe('KEY');
    expect(readFileSync(join(dir, '.replaced-S1/ca/ca.key'), 'utf8')).toBe('OLD');
    expect(readFileSync(join(dir, 'images.txt'), 'utf8')).toBe('mine');
    expect(readdirSync(dir).filter((n) => n.includes('staging'))).toEqual([]);
  });

  it('fails with one line naming the directory when it cannot write', () => {
    expect(() => applyFilePlan('/proc/registry-setup-test/reg', files, 'S')).toThrow(/^cannot write to \/proc\/registry-setup-test\/reg: /);
  });
});

describe('writeFileAtomic', () => {
  it('gives the file its mode even under a wide umask, and replaces atomically', () => {
    const dir = tmp();
    const old = process.umask(0);
    try {
      writeFileAtomic(join(dir, 'k'), 'a', 0o600);
    } finally {
      process.umask(old);
    }
    expect(mode(join(dir, 'k'))).toBe(0o600);
    writeFileAtomic(join(dir, 'k'), 'b', 0o640);
    expect(readFileSync(join(dir, 'k'), 'utf8')).toBe('b');
    expect(readdirSync(dir)).toEqual(['k']);
  });

  it('backs up with the same mode and never overwrites an earlier one, even within a second', () => {
    const dir = tmp();
    writeFileAtomic(join(dir, 'daemon.json'), '{}', 0o600);
    const now = new Date('2026-02-03T04:05:06.789Z');
    const b = backupFile(join(dir, 'daemon.json'), now);
    expect(b).toBe(join(dir, 'daemon.json.bak-20260203T040506Z'));
    expect(mode(b)).toBe(0o600);
    expect(backupFile(join(dir, 'daemon.json'), now)).toBe(`${b}-1`);
  });
});
