import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GEN_DIR, KEEP_GENERATIONS, LOCK_FILE, STORES, isGenerationName, linkTarget } from '../../src/bundle/layout.js';
import { planBundleFiles, REGISTRY_IMAGE } from '../../src/bundle/plan-files.js';
import type { BundleState } from '../../src/bundle/state.js';
import { FailError } from '../../src/errors.js';
import { acquireLock, tryLock } from '../../src/io/bundle-lock.js';
import { sweepLeftovers as sweepWith } from '../../src/io/bundle-sweep.js';
import { restoreInterruptedMaintenance } from '../../src/maintenance/restore.js';
import { commitChange, createBundle, type WriteContext } from '../../src/io/bundle-writer.js';
import { resolvedFiles, type WrittenFile } from '../../src/io/file-plan.js';
import { currentGeneration, keptGenerations } from '../../src/io/generations.js';

const roots: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'rs-sweep-'));
  roots.push(d);
  return d;
};
afterAll(() => roots.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Above Linux's largest possible pid (PID_MAX_LIMIT, 2^22): no process has it. */
const DEAD_PID = 4_194_305;

const state: BundleState = {
  version: 1, mode: 'tls', hosts: ['10.0.0.5'], port: 5000, days: 825, caDays: 3650, keyType: 'ecdsa',
  bcryptCost: 5, externalCa: false, image: REGISTRY_IMAGE, createdAt: '2026-01-01T00:00:00.000Z',
};
const files: WrittenFile[] = resolvedFiles(planBundleFiles(state, {
  caCertPem: 'CA CERT\n', caKeyPem: 'CA KEY\n', certPem: 'CERT\n', keyPem: 'KEY\n', htpasswd: 'alice:$2y$05$x\n',
}));
let tick = 0;
const ctx = (): WriteContext => ({ now: new Date(Date.UTC(2026, 0, 1) + ++tick * 1000), random: (n) => randomBytes(n) });

/** A bundle made by the writer, in PARENT/reg. */
async function bundle(): Promise<{ parent: string; dir: string; gen: string }> {
  const parent = tmp();
  const dir = join(parent, 'reg');
  const { generation } = await createBundle(dir, files, ctx());
  return { parent, dir, gen: generation };
}
const readsWhole = (dir: string) => files.every((f) => readFileSync(join(dir, f.path), 'utf8') === f.contents);
// The stores this fixture's bundle fills; it has no node login.
const FILLED = [STORES.ca, STORES.certs];
const lockText = (pid: number, host = hostname()) => `${pid}\n${host}\n`;

/** What a run killed before its commit leaves inside the bundle: a generation, store entries and a temp link. */
function killedCommit(dir: string): { gen: string; entry: string; link: string } {
  const gen = 'g-20990101T000000000Z-abcdef';
  const entry = gen.slice(2);
  mkdirSync(join(dir, GEN_DIR, gen, 'auth'), { recursive: true });
  writeFileSync(join(dir, GEN_DIR, gen, 'auth/htpasswd'), 'half');
  for (const store of Object.values(STORES)) {
    mkdirSync(join(dir, store, entry), { recursive: true }); // a store a bundle never filled (.node-login, .token) included
    writeFileSync(join(dir, store, entry, 'secret.key'), 'KEY');
  }
  symlinkSync(gen, join(dir, GEN_DIR, '.current-0badc0de'));
  return { gen, entry, link: '.current-0badc0de' };
}

const line = (dir: string, what: string) => `an interrupted run left ${dir} unfinished (nothing it had committed is lost): ${what}`;
/** The one line a sweep printed, as what it removed and what it restored (in no particular order). */
function said(dir: string, note: string | null): { removed: string[]; restored: string[] } {
  expect(note).not.toBeNull();
  expect(note).not.toContain('\n');
  const prefix = line(dir, '');
  expect(note!.startsWith(prefix)).toBe(true);
  const out = { removed: [] as string[], restored: [] as string[] };
  for (const part of note!.slice(prefix.length).split('; ')) {
    const m = /^(removed|restored the links?) (.+)$/.exec(part);
    expect(m, part).not.toBeNull();
    out[m![1] === 'removed' ? 'removed' : 'restored'] = m![2]!.split(', ').sort();
  }
  return out;
}

const sweepLeftovers = (dir: string) => sweepWith(dir, restoreInterruptedMaintenance);

describe('sweepLeftovers', () => {
  it('finds nothing to say in a bundle no run left unfinished, or where there is no bundle', async () => {
    const { dir } = await bundle();
    expect(sweepLeftovers(dir)).toBeNull();
    expect(sweepLeftovers(join(tmp(), 'absent', 'reg'))).toBeNull();
    expect(readsWhole(dir)).toBe(true);
  });

  it('removes an uncommitted generation, its store entries and a temp link, in one line', async () => {
    const { dir, gen } = await bundle();
    const left = killedCommit(dir);
    expect(said(dir, sweepLeftovers(dir))).toEqual({
      removed: [`${GEN_DIR}/${left.gen}`, `${GEN_DIR}/${left.link}`, ...Object.values(STORES).map((s) => `${s}/${left.entry}`)].sort(),
      restored: [],
    });
    expect(existsSync(join(dir, GEN_DIR, left.gen))).toBe(false);
    expect(existsSync(join(dir, GEN_DIR, left.link))).toBe(false);
    for (const store of FILLED) expect(readdirSync(join(dir, store))).toHaveLength(1);
    for (const store of [STORES['node-login'], STORES.token]) expect(readdirSync(join(dir, store))).toEqual([]);
    expect(currentGeneration(dir)).toBe(gen);
    expect(readsWhole(dir)).toBe(true);
    expect(sweepLeftovers(dir)).toBeNull(); // said once
  });

  it('takes over the stale lock of a dead process, says so, and leaves no lock', async () => {
    const { dir } = await bundle();
    writeFileSync(join(dir, LOCK_FILE), lockText(DEAD_PID));
    expect(sweepLeftovers(dir)).toBe(line(dir, `removed ${LOCK_FILE} (of pid ${DEAD_PID})`));
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('leaves everything to a live command holding the lock (this process)', async () => {
    const { dir } = await bundle();
    const left = killedCommit(dir);
    const lock = acquireLock(dir);
    try {
      expect(sweepLeftovers(dir)).toBeNull();
      expect(existsSync(join(dir, GEN_DIR, left.gen))).toBe(true);
      expect(existsSync(join(dir, STORES.ca, left.entry))).toBe(true);
      expect(lstatSync(join(dir, GEN_DIR, left.link)).isSymbolicLink()).toBe(true);
      expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(lockText(process.pid)); // still ours
    } finally {
      lock.release();
    }
    expect(sweepLeftovers(dir)).toMatch(/^an interrupted run left .*: removed /);
    expect(existsSync(join(dir, GEN_DIR, left.gen))).toBe(false);
  });

  it('removes a new bundle\'s staging directory beside it whose owner is gone, and keeps one whose owner lives', async () => {
    const parent = tmp();
    const dir = join(parent, 'reg');
    const dead = join(parent, '.reg.staging-AbC123');
    const owned = join(parent, '.reg.staging-XyZ789');
    const orphan = join(parent, '.reg.staging-NoOwnr');
    for (const [staging, owner] of [[dead, DEAD_PID], [owned, process.pid], [orphan, null]] as const) {
      mkdirSync(join(staging, STORES.ca, 'x'), { recursive: true });
      writeFileSync(join(staging, STORES.ca, 'x', 'ca.key'), 'CA KEY');
      if (owner !== null) writeFileSync(join(staging, '.owner'), `${owner}\n`);
    }
    mkdirSync(join(parent, '.other.staging-AbC123')); // another bundle's: not ours to judge
    expect(said(dir, sweepLeftovers(dir))).toEqual({ removed: [dead, orphan].sort(), restored: [] });
    expect(readdirSync(parent).sort()).toEqual(['.other.staging-AbC123', '.reg.staging-XyZ789']);
  });

  it("removes a flat bundle's temp files, at the top and in its directories", () => {
    const dir = tmp();
    mkdirSync(join(dir, 'certs'));
    writeFileSync(join(dir, 'registry-setup.yml'), 'version: 1\n');
    writeFileSync(join(dir, 'certs/registry.crt'), 'CERT');
    writeFileSync(join(dir, '.x.tmp-abc'), 'half');
    writeFileSync(join(dir, 'certs/.registry.crt.tmp-0a1b2c'), 'half');
    writeFileSync(join(dir, 'certs/registry.crt.bak-20250101T000000Z'), 'kept: a backup, not a temp file');
    expect(said(dir, sweepLeftovers(dir))).toEqual({ removed: ['.x.tmp-abc', 'certs/.registry.crt.tmp-0a1b2c'], restored: [] });
    expect(readdirSync(dir).sort()).toEqual(['certs', 'registry-setup.yml']);
    expect(readdirSync(join(dir, 'certs')).sort()).toEqual(['registry.crt', 'registry.crt.bak-20250101T000000Z']);
  });

  it('restores a top-level link a killed run left missing', async () => {
    const { dir } = await bundle();
    rmSync(join(dir, 'config.yml'));
    expect(sweepLeftovers(dir)).toBe(line(dir, 'restored the link config.yml'));
    expect(readsWhole(dir)).toBe(true);
    rmSync(join(dir, 'certs'));
    rmSync(join(dir, 'auth'));
    writeFileSync(join(dir, LOCK_FILE), lockText(DEAD_PID));
    const note = sweepLeftovers(dir);
    expect(note).toMatch(/; restored the links \w+, \w+$/);
    expect(said(dir, note)).toEqual({ removed: [`${LOCK_FILE} (of pid ${DEAD_PID})`], restored: ['auth', 'certs'] });
    expect(readsWhole(dir)).toBe(true);
  });

  it('never restores a link to what the live generation lacks', async () => {
    const { dir } = await bundle(); // tls: no nginx/
    expect(sweepLeftovers(dir)).toBeNull();
    expect(existsSync(join(dir, 'nginx'))).toBe(false);
  });

  it('never removes a committed generation: the current one and every kept backup stay', async () => {
    const { dir, gen } = await bundle();
    const made = [gen];
    for (let i = 0; i < KEEP_GENERATIONS; i++) {
      made.push((await commitChange(dir, { files: [{ path: 'auth/htpasswd', contents: `u${i}:x\n`, mode: 0o644 }] }, ctx())).generation);
    }
    const left = killedCommit(dir);
    expect(said(dir, sweepLeftovers(dir)).removed).toContain(`${GEN_DIR}/${left.gen}`);
    expect(readdirSync(join(dir, GEN_DIR)).filter(isGenerationName).sort()).toEqual([...made].sort());
    expect(keptGenerations(dir)).toEqual([...made].reverse());
    expect(readFileSync(join(dir, 'auth/htpasswd'), 'utf8')).toBe(`u${KEEP_GENERATIONS - 1}:x\n`);
    for (const store of FILLED) expect(readdirSync(join(dir, store))).toHaveLength(1); // all share the first entries
    for (const name of ['ca', 'certs', 'auth']) expect(readlinkSync(join(dir, name))).toBe(linkTarget(name));
  });
});

describe('the bundle lock', () => {
  it('a second acquire fails with one line naming the holder\'s pid; release frees it', () => {
    const dir = tmp();
    const lock = acquireLock(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(lockText(process.pid));
    expect(tryLock(dir)).toBeNull();
    expect(() => acquireLock(dir)).toThrow(
      new FailError(`another registry-setup command (pid ${process.pid}) is changing ${dir}; run this again when it has finished`),
    );
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const again = acquireLock(dir);
    expect(again.staleFrom).toBeUndefined();
    again.release();
  });

  it('takes over the stale lock of a dead process, and says whose it was', () => {
    const dir = tmp();
    writeFileSync(join(dir, LOCK_FILE), lockText(DEAD_PID));
    const lock = tryLock(dir);
    expect(lock).not.toBeNull();
    expect(lock!.staleFrom).toBe(DEAD_PID);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(lockText(process.pid));
    lock!.release();
  });

  it('an empty lock file (killed while writing it) is stale too', () => {
    const dir = tmp();
    writeFileSync(join(dir, LOCK_FILE), '');
    const lock = acquireLock(dir);
    expect(lock.staleFrom).toBe(0);
    lock.release();
  });

  it("never breaks another machine's lock, even of a pid that is not running here", () => {
    const dir = tmp();
    writeFileSync(join(dir, LOCK_FILE), lockText(DEAD_PID, `not-${hostname()}`));
    expect(tryLock(dir)).toBeNull();
    expect(() => acquireLock(dir)).toThrow(new RegExp(`^another registry-setup command \\(pid ${DEAD_PID}\\) is changing `));
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(lockText(DEAD_PID, `not-${hostname()}`));
  });
});
