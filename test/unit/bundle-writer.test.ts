import { randomBytes } from 'node:crypto';
import {
  chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { GEN_DIR, KEEP_GENERATIONS, PARENT_FILE, STORES, TOP_LEVEL_NAMES, isGenerationName, linkTarget } from '../../src/bundle/layout.js';
import { planBundleFiles, REGISTRY_IMAGE } from '../../src/bundle/plan-files.js';
import type { BundleState, Mode } from '../../src/bundle/state.js';
import { FailError } from '../../src/errors.js';
import { writeFileAtomic } from '../../src/io/atomic-write.js';
import { adoptFlatBundle } from '../../src/io/bundle-adopt.js';
import { commitChange, createBundle, type WriteContext } from '../../src/io/bundle-writer.js';
import { describePlan, resolvedFiles, type PlannedFile, type WrittenFile } from '../../src/io/file-plan.js';
import { currentGeneration, parentOf, sha256, storeEntryOf, writtenHashes } from '../../src/io/generations.js';
import { installIfDifferent } from '../../src/io/install-files.js';

const roots: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'rs-writer-'));
  roots.push(d);
  return d;
};
afterAll(() => roots.forEach((d) => rmSync(d, { recursive: true, force: true })));

const state = (mode: Mode): BundleState => ({
  version: 1, mode, hosts: ['10.0.0.5', 'registry.lan'], port: mode === 'proxy' ? 443 : 5000, days: 825, caDays: 3650, keyType: 'ecdsa',
  bcryptCost: 5, externalCa: false, image: REGISTRY_IMAGE, createdAt: '2026-01-01T00:00:00.000Z',
});
/** A whole bundle's files; `tag` makes every secret differ from another set's. */
const bundleFiles = (mode: Mode, tag = 'A'): WrittenFile[] =>
  resolvedFiles(planBundleFiles(state(mode), {
    caCertPem: `CA CERT ${tag}\n`, caKeyPem: `CA KEY ${tag}\n`, certPem: `CERT ${tag}\n`, keyPem: `KEY ${tag}\n`, htpasswd: `alice:$2y$05$${tag}\n`,
  }));
const replacing = (files: readonly WrittenFile[], ...by: WrittenFile[]) => files.map((f) => by.find((b) => b.path === f.path) ?? f);

let tick = 0;
/** Each write gets a later clock, as consecutive commands would. */
const ctx = (): WriteContext => ({ now: new Date(Date.UTC(2026, 0, 1) + ++tick * 1000), random: (n) => randomBytes(n) });

const mode = (p: string) => statSync(p).mode & 0o777;
const lmode = (p: string) => lstatSync(p).mode & 0o777;
const text = (p: string) => readFileSync(p, 'utf8');
const generations = (dir: string) => readdirSync(join(dir, GEN_DIR)).filter(isGenerationName).sort();
const storeEntries = (dir: string, store: keyof typeof STORES) => readdirSync(join(dir, STORES[store])).sort();
const ca = (dir: string, gen: string) => storeEntryOf(dir, gen, 'ca');
const tls = (dir: string, gen: string) => storeEntryOf(dir, gen, 'certs');

/** Every contract path reads the file's contents, with its mode, through the links. */
function expectServes(dir: string, files: readonly WrittenFile[]): void {
  for (const f of files) {
    expect(text(join(dir, f.path)), f.path).toBe(f.contents);
    expect(mode(join(dir, f.path)), f.path).toBe(f.mode);
  }
  for (const name of new Set(files.map((f) => f.path.split('/')[0]!))) {
    expect(lstatSync(join(dir, name)).isSymbolicLink(), name).toBe(true);
    expect(readlinkSync(join(dir, name))).toBe(linkTarget(name));
  }
}

/** Every entry under root, links not followed. */
function walk(root: string, rel = ''): { path: string; kind: 'dir' | 'file' | 'link' }[] {
  return readdirSync(join(root, rel)).flatMap((name) => {
    const path = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(root, path));
    if (st.isSymbolicLink()) return [{ path, kind: 'link' as const }];
    if (st.isDirectory()) return [{ path, kind: 'dir' as const }, ...walk(root, path)];
    return [{ path, kind: 'file' as const }];
  });
}

const BUNDLE_TOP = ['auth', 'ca', 'certs', 'config.yml', 'data', 'docker-compose.yml', 'registry-setup.yml'];
const hidden = [GEN_DIR, STORES.ca, STORES.certs];

describe('createBundle', () => {
  it('makes a 0700 directory whose contract paths read the planned files with the planned modes', async () => {
    const parent = tmp();
    const dir = join(parent, 'reg');
    const files = bundleFiles('proxy');
    const r = await createBundle(dir, files, ctx());
    expect(r).toEqual({ dir, generation: expect.any(String), previous: null });
    expect(readdirSync(parent)).toEqual(['reg']); // built beside it, appeared by one rename: no staging left
    expect(mode(dir)).toBe(0o700);
    expectServes(dir, files);
    expect(files.map((f) => f.path)).toContain('nginx/registry.conf');
    // .gen/current names the one generation, and nothing else is there
    expect(isGenerationName(r.generation)).toBe(true);
    expect(readlinkSync(join(dir, GEN_DIR, 'current'))).toBe(r.generation);
    expect(readdirSync(join(dir, GEN_DIR)).sort()).toEqual(['current', r.generation]);
    expect(existsSync(join(dir, GEN_DIR, r.generation, PARENT_FILE))).toBe(false);
    expect(lstatSync(join(dir, 'data')).isDirectory()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([...hidden, ...BUNDLE_TOP, 'nginx'].sort());
  });

  it('creates the keys 0600, even under umask 0: the real file behind each link', async () => {
    const dir = join(tmp(), 'reg');
    const old = process.umask(0);
    let gen: string;
    try {
      gen = (await createBundle(dir, bundleFiles('tls'), ctx())).generation;
    } finally {
      process.umask(old);
    }
    const key = realpathSync(join(dir, 'certs/registry.key'));
    const caKey = realpathSync(join(dir, 'ca/ca.key'));
    expect(relative(dir, key)).toBe(`${STORES.certs}/${tls(dir, gen)}/registry.key`);
    expect(relative(dir, caKey)).toBe(`${STORES.ca}/${ca(dir, gen)}/ca.key`);
    for (const k of [key, caKey]) {
      expect(lmode(k)).toBe(0o600);
      expect(lmode(join(k, '..'))).toBe(0o700);
      expect(lmode(join(k, '../..'))).toBe(0o700);
    }
    expect(lmode(realpathSync(join(dir, 'auth/htpasswd')))).toBe(0o644);
    expect(lmode(realpathSync(join(dir, 'certs/registry.crt')))).toBe(0o644);
  });

  it('keeps the CA in .ca/ and the server key in its own store, never under .gen, which every container mounts', async () => {
    const dir = join(tmp(), 'reg');
    const { generation } = await createBundle(dir, bundleFiles('proxy'), ctx());
    const entries = walk(join(dir, GEN_DIR));
    const files = entries.filter((e) => e.kind === 'file').map((e) => text(join(dir, GEN_DIR, e.path)));
    expect(files.filter((t) => t.startsWith('CA KEY') || t.startsWith('KEY'))).toEqual([]);
    expect(entries.filter((e) => /(^|\/)(ca\.key|registry\.key)$/.test(e.path))).toEqual([]);
    // the generation names each store's entry by a link out of .gen
    expect(readlinkSync(join(dir, GEN_DIR, generation, 'ca'))).toBe(`../../${STORES.ca}/${ca(dir, generation)}`);
    expect(readlinkSync(join(dir, GEN_DIR, generation, 'certs'))).toBe(`../../${STORES.certs}/${tls(dir, generation)}`);
    expect(storeEntries(dir, 'ca')).toEqual([ca(dir, generation)]);
    expect(readdirSync(join(dir, STORES.ca, ca(dir, generation)!)).sort()).toEqual(['ca.crt', 'ca.key']);
    expect(text(join(dir, STORES.ca, ca(dir, generation)!, 'ca.key'))).toBe('CA KEY A\n');
    expect(readdirSync(join(dir, STORES.certs, tls(dir, generation)!)).sort()).toEqual(['registry.crt', 'registry.key']);
    // the only links under .gen that leave it are a generation's store links
    const leaving = entries.filter((e) => e.kind === 'link' && relative(join(dir, GEN_DIR), realpathSync(join(dir, GEN_DIR, e.path))).startsWith('..'));
    expect(leaving.map((e) => e.path).sort()).toEqual([`${generation}/ca`, `${generation}/certs`]);
  });

  it('refuses a directory that is not empty, changing nothing in it', async () => {
    const parent = tmp();
    const dir = join(parent, 'reg');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await expect(createBundle(dir, bundleFiles('tls'), ctx())).rejects.toThrow(new FailError(`${dir} is no longer empty (another init?); nothing was written`));
    expect(readdirSync(parent)).toEqual(['reg']);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('takes the place of an empty directory', async () => {
    const dir = join(tmp(), 'reg');
    mkdirSync(dir, { mode: 0o755 });
    await createBundle(dir, bundleFiles('insecure'), ctx());
    expect(mode(dir)).toBe(0o700);
    expectServes(dir, bundleFiles('insecure'));
  });

  it('fails with one line naming the directory when it cannot write', async () => {
    await expect(createBundle('/proc/registry-setup-test/reg', bundleFiles('tls'), ctx())).rejects.toThrow(/^cannot write to \/proc\/registry-setup-test\/reg: \S+$/);
  });
});

describe('commitChange', () => {
  it('carries unchanged files over, replaces the named ones, and keeps the previous generation as the backup', async () => {
    const dir = join(tmp(), 'reg');
    const files = bundleFiles('tls');
    const first = await createBundle(dir, files, ctx());
    const htpasswd = { path: 'auth/htpasswd', contents: 'bob:$2y$05$new\n', mode: 0o644 };
    const r = await commitChange(dir, { files: [htpasswd] }, ctx());
    expect(r).toEqual({ dir, generation: expect.any(String), previous: first.generation });
    expect(currentGeneration(dir)).toBe(r.generation);
    expectServes(dir, replacing(files, htpasswd));
    // the backup is whole and untouched, and the new generation names it
    expect(generations(dir)).toEqual([first.generation, r.generation].sort());
    expect(text(join(dir, GEN_DIR, first.generation, 'auth/htpasswd'))).toBe('alice:$2y$05$A\n');
    expect(text(join(dir, GEN_DIR, r.generation, PARENT_FILE))).toBe(`${first.generation}\n`);
    expect(parentOf(dir, r.generation)).toBe(first.generation);
    // stores the change does not touch are shared, not copied
    expect(ca(dir, r.generation)).toBe(ca(dir, first.generation));
    expect(tls(dir, r.generation)).toBe(tls(dir, first.generation));
    expect(storeEntries(dir, 'ca')).toHaveLength(1);
    expect(storeEntries(dir, 'certs')).toHaveLength(1);
  });

  it('a renewed certificate gets a new server-key entry that carries the unchanged key with its mode; the backup keeps the old one', async () => {
    const dir = join(tmp(), 'reg');
    const files = bundleFiles('tls');
    const first = await createBundle(dir, files, ctx());
    const cert = { path: 'certs/registry.crt', contents: 'CERT B\n', mode: 0o644 };
    const r = await commitChange(dir, { files: [cert] }, ctx());
    expectServes(dir, replacing(files, cert));
    expect(tls(dir, r.generation)).not.toBe(tls(dir, first.generation));
    expect(lmode(join(dir, STORES.certs, tls(dir, r.generation)!, 'registry.key'))).toBe(0o600);
    expect(text(join(dir, GEN_DIR, first.generation, 'certs/registry.crt'))).toBe('CERT A\n');
    expect(storeEntries(dir, 'certs')).toEqual([tls(dir, first.generation), tls(dir, r.generation)].sort());
    expect(ca(dir, r.generation)).toBe(ca(dir, first.generation));
  });

  it('a new CA gets its own store entry; the backup keeps the old one', async () => {
    const dir = join(tmp(), 'reg');
    const first = await createBundle(dir, bundleFiles('tls'), ctx());
    const r = await commitChange(dir, { files: bundleFiles('tls', 'B').filter((f) => f.path.startsWith('ca/')) }, ctx());
    expect(text(join(dir, 'ca/ca.key'))).toBe('CA KEY B\n');
    expect(text(join(dir, 'certs/registry.key'))).toBe('KEY A\n');
    expect(ca(dir, r.generation)).not.toBe(ca(dir, first.generation));
    expect(text(join(dir, GEN_DIR, first.generation, 'ca/ca.key'))).toBe('CA KEY A\n');
    expect(storeEntries(dir, 'ca')).toEqual([ca(dir, first.generation), ca(dir, r.generation)].sort());
  });

  it('fresh drops every file the new set lacks; a mode change that drops nginx/ removes its link', async () => {
    const dir = join(tmp(), 'reg');
    const first = await createBundle(dir, bundleFiles('proxy'), ctx());
    const next = bundleFiles('tls', 'B');
    const r = await commitChange(dir, { files: next, fresh: true }, ctx());
    expect(r.previous).toBe(first.generation);
    expectServes(dir, next);
    expect(existsSync(join(dir, GEN_DIR, r.generation, 'nginx'))).toBe(false);
    expect(() => lstatSync(join(dir, 'nginx'))).toThrow(/ENOENT/); // not left dangling
    expect(readdirSync(dir).sort()).toEqual([...hidden, ...BUNDLE_TOP].sort());
    // the proxy bundle it replaced is still whole
    expect(text(join(dir, GEN_DIR, first.generation, 'nginx/registry.conf'))).toContain('proxy_pass');
    expect(text(join(dir, GEN_DIR, first.generation, 'ca/ca.key'))).toBe('CA KEY A\n');
    expect(text(join(dir, GEN_DIR, first.generation, 'certs/registry.key'))).toBe('KEY A\n');
  });

  it('remove leaves a path out of the new generation', async () => {
    const dir = join(tmp(), 'reg');
    await createBundle(dir, bundleFiles('proxy'), ctx());
    const r = await commitChange(dir, { files: [], remove: ['nginx/registry.conf', 'ca/ca.key'] }, ctx());
    const names = readdirSync(join(dir, GEN_DIR, r.generation));
    expect(names).toContain(PARENT_FILE);
    expect(names.filter((n) => !n.startsWith('.')).sort()).toEqual(['auth', 'ca', 'certs', 'config.yml', 'docker-compose.yml', 'registry-setup.yml']);
    expect(existsSync(join(dir, 'nginx'))).toBe(false);
    expect(existsSync(join(dir, 'ca/ca.key'))).toBe(false);
    expect(text(join(dir, 'ca/ca.crt'))).toBe('CA CERT A\n');
  });

  it(`keeps ${KEEP_GENERATIONS} backups as a .parent chain, and prunes older generations and the store entries only they named`, async () => {
    const dir = join(tmp(), 'reg');
    const made = [(await createBundle(dir, bundleFiles('tls', 'v0'), ctx())).generation];
    for (let i = 1; i <= KEEP_GENERATIONS + 2; i++) made.push((await commitChange(dir, { files: bundleFiles('tls', `v${i}`), fresh: true }, ctx())).generation);
    const kept = made.slice(-(KEEP_GENERATIONS + 1));
    expect(generations(dir)).toEqual([...kept].sort());
    // from current, the .parent chain walks back through every kept generation, newest first
    const chain: string[] = [];
    for (let g: string | null = currentGeneration(dir); g && existsSync(join(dir, GEN_DIR, g)); g = parentOf(dir, g)) chain.push(g);
    expect(chain).toEqual([...kept].reverse());
    expect(parentOf(dir, kept[0]!)).toBe(made[made.length - KEEP_GENERATIONS - 2]); // names a pruned one
    expect(storeEntries(dir, 'ca')).toEqual(kept.map((g) => ca(dir, g)).sort());
    expect(storeEntries(dir, 'certs')).toEqual(kept.map((g) => tls(dir, g)).sort());
    expect(text(join(dir, GEN_DIR, kept[0]!, 'ca/ca.key'))).toBe('CA KEY v2\n');
  });

  it('records what it wrote in .gen by sha256, never a store file; a carried file keeps its hash, so a hand edit stays visible', async () => {
    const dir = join(tmp(), 'reg');
    const files = bundleFiles('proxy');
    const first = await createBundle(dir, files, ctx());
    const inGen = files.filter((f) => !Object.hasOwn(STORES, f.path.split('/')[0]!));
    expect(writtenHashes(dir, first.generation)).toEqual(Object.fromEntries(inGen.map((f) => [f.path, sha256(f.contents)])));
    writeFileSync(join(dir, 'config.yml'), 'edited by hand\n'); // through the link, into the live generation
    const htpasswd = { path: 'auth/htpasswd', contents: 'bob:$2y$05$new\n', mode: 0o644 };
    const r = await commitChange(dir, { files: [htpasswd] }, ctx());
    expect(text(join(dir, 'config.yml'))).toBe('edited by hand\n');
    const hashes = writtenHashes(dir, r.generation);
    expect(hashes['config.yml']).toBe(sha256(files.find((f) => f.path === 'config.yml')!.contents));
    expect(hashes['auth/htpasswd']).toBe(sha256(htpasswd.contents));
    expect(Object.keys(hashes).sort()).toEqual(inGen.map((f) => f.path).sort());
  });

  it('makes an existing 0755 bundle directory 0700', async () => {
    const dir = join(tmp(), 'reg');
    await createBundle(dir, bundleFiles('tls'), ctx());
    chmodSync(dir, 0o755);
    await commitChange(dir, { files: [{ path: 'config.yml', contents: 'x', mode: 0o644 }] }, ctx());
    expect(mode(dir)).toBe(0o700);
  });

  it('creates a bundle in place in a non-empty directory that holds none, leaving other files alone', async () => {
    const dir = tmp();
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data/blob'), 'layer');
    const files = bundleFiles('tls');
    const r = await commitChange(dir, { files, fresh: true }, ctx());
    expect(r.previous).toBeNull();
    expect(mode(dir)).toBe(0o700);
    expectServes(dir, files);
    expect(text(join(dir, 'notes.txt'))).toBe('mine');
    expect(text(join(dir, 'data/blob'))).toBe('layer');
    expect(generations(dir)).toEqual([r.generation]);
    expect(existsSync(join(dir, GEN_DIR, r.generation, PARENT_FILE))).toBe(false);
  });

  it('refuses a contract path held by something else; the failed change leaves no generation or store entry behind', async () => {
    const dir = join(tmp(), 'reg');
    const first = await createBundle(dir, bundleFiles('tls'), ctx());
    mkdirSync(join(dir, 'nginx')); // a directory of the user's, where proxy mode needs its link
    const before = { ca: storeEntries(dir, 'ca'), certs: storeEntries(dir, 'certs') };
    // A fresh module graph: this process has committed before, and the writer cleans up
    // only a change that fails before *a* commit of the process (io/interrupt.ts).
    vi.resetModules();
    const fresh = await import('../../src/io/bundle-writer.js');
    await expect(fresh.commitChange(dir, { files: bundleFiles('proxy', 'B'), fresh: true }, ctx())).rejects.toThrow(
      new FailError(`cannot write the bundle in ${dir}: ${dir}/nginx is in the way of registry-setup's link into .gen/current: move it away and run this again; nothing was changed`),
    );
    expect(currentGeneration(dir)).toBe(first.generation);
    expect(generations(dir)).toEqual([first.generation]);
    expect({ ca: storeEntries(dir, 'ca'), certs: storeEntries(dir, 'certs') }).toEqual(before);
    expectServes(dir, bundleFiles('tls'));
    expect(readdirSync(join(dir, 'nginx'))).toEqual([]);
    // a link to somewhere else is refused the same way
    rmSync(join(dir, 'nginx'), { recursive: true });
    symlinkSync('/etc/nginx', join(dir, 'nginx'));
    await expect(fresh.commitChange(dir, { files: bundleFiles('proxy', 'B'), fresh: true }, ctx())).rejects.toThrow(
      /^cannot write the bundle in .*: .*\/nginx links to \/etc\/nginx, not to \.gen\/current\/nginx: move it away and run this again; nothing was changed$/,
    );
    expect(generations(dir)).toEqual([first.generation]);
    expect(readlinkSync(join(dir, 'nginx'))).toBe('/etc/nginx');
  });
});

describe('a bundle written before generations (flat)', () => {
  /** The old layout: plain files and directories at the contract paths, an old renew's backup, a user's file. */
  function flatBundle(): { dir: string; files: WrittenFile[] } {
    const dir = tmp();
    const files = bundleFiles('proxy', 'old');
    for (const f of files) {
      mkdirSync(join(dir, f.path, '..'), { recursive: true });
      writeFileSync(join(dir, f.path), f.contents, { mode: f.mode });
      chmodSync(join(dir, f.path), f.mode);
    }
    writeFileSync(join(dir, 'certs/registry.crt.bak-20250101T000000Z'), 'OLDER CERT\n');
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data/blob'), 'layer');
    writeFileSync(join(dir, 'images.txt'), 'mine');
    return { dir, files };
  }

  it('is adopted without changing a byte any reader sees at the contract paths', async () => {
    const { dir, files } = flatBundle();
    const gen = await adoptFlatBundle(dir, ctx());
    expect(gen).not.toBeNull();
    expect(currentGeneration(dir)).toBe(gen);
    expectServes(dir, files);
    // its directories are kept whole in .flat-*, for containers that still have them mounted
    const aside = readdirSync(dir).filter((n) => n.startsWith('.flat-'));
    expect(aside).toEqual([`.flat-${gen!.slice(2)}`]);
    expect(mode(join(dir, aside[0]!))).toBe(0o700);
    expect(readdirSync(join(dir, aside[0]!)).sort()).toEqual(['auth', 'ca', 'certs', 'nginx']);
    for (const f of files.filter((x) => x.path.includes('/'))) expect(text(join(dir, aside[0]!, f.path))).toBe(f.contents);
    expect(text(join(dir, aside[0]!, 'certs/registry.crt.bak-20250101T000000Z'))).toBe('OLDER CERT\n');
    // an old renew's backup is not part of the generation; the keys went to their stores
    expect(existsSync(join(dir, 'certs/registry.crt.bak-20250101T000000Z'))).toBe(false);
    expect(walk(join(dir, GEN_DIR)).filter((e) => e.kind === 'file' && /\.key$/.test(e.path))).toEqual([]);
    expect(text(join(dir, 'data/blob'))).toBe('layer');
    expect(text(join(dir, 'images.txt'))).toBe('mine');
  });

  it('is adopted by its first change, which then keeps the adopted generation as its backup', async () => {
    const { dir, files } = flatBundle();
    const htpasswd = { path: 'auth/htpasswd', contents: 'bob:$2y$05$new\n', mode: 0o644 };
    const r = await commitChange(dir, { files: [htpasswd] }, ctx());
    expect(r.previous).not.toBeNull();
    expect(generations(dir)).toEqual([r.previous, r.generation].sort());
    expectServes(dir, replacing(files, htpasswd));
    for (const f of files) {
      const backup = join(dir, GEN_DIR, r.previous!, f.path); // through the backup's own store links
      expect(text(backup), f.path).toBe(f.contents);
      expect(mode(backup), f.path).toBe(f.mode);
    }
    expect(readdirSync(dir).filter((n) => n.startsWith('.flat-'))).toHaveLength(1);
    expect(await adoptFlatBundle(dir, ctx())).toBeNull(); // nothing flat is left
    expect(TOP_LEVEL_NAMES.filter((n) => existsSync(join(dir, n)) && !lstatSync(join(dir, n)).isSymbolicLink())).toEqual([]);
  });
});

describe('file plans', () => {
  const pending: PlannedFile[] = [
    { path: 'ca/ca.key', contents: null, mode: 0o600 },
    { path: 'config.yml', contents: 'cfg', mode: 0o644 },
  ];

  it('a dry run lists a pending file with its mode all the same', () => {
    expect(describePlan(pending)).toEqual([{ path: 'ca/ca.key', mode: '0600', pending: true }, { path: 'config.yml', mode: '0644' }]);
  });

  it('a writer never gets a pending file', () => {
    expect(() => resolvedFiles(pending)).toThrow(/^internal: ca\/ca\.key is still pending/);
    expect(resolvedFiles([pending[1]!])).toEqual([pending[1]]);
  });
});

describe('files outside a bundle', () => {
  it('writeFileAtomic gives a key its mode even under umask 0, and replaces atomically', () => {
    const dir = tmp();
    const old = process.umask(0);
    try {
      writeFileAtomic(join(dir, 'k'), 'a', 0o600);
    } finally {
      process.umask(old);
    }
    expect(mode(join(dir, 'k'))).toBe(0o600);
    writeFileAtomic(join(dir, 'k'), 'b', 0o600);
    expect(text(join(dir, 'k'))).toBe('b');
    expect(readdirSync(dir)).toEqual(['k']);
  });

  it('installIfDifferent installs, updates, and on a second run changes nothing; a dry run writes nothing', () => {
    const root = tmp();
    const unit = { path: 'etc/systemd/system/x.timer', contents: 'A\n', mode: 0o644 };
    expect(installIfDifferent(root, [unit], true)).toEqual([{ path: join(root, unit.path), result: 'would install' }]);
    expect(existsSync(join(root, 'etc'))).toBe(false);
    expect(installIfDifferent(root, [unit], false)).toEqual([{ path: join(root, unit.path), result: 'installed' }]);
    expect(mode(join(root, unit.path))).toBe(0o644);
    expect(installIfDifferent(root, [unit], false)[0]!.result).toBe('unchanged');
    expect(installIfDifferent(root, [{ ...unit, contents: 'B\n' }], true)[0]!.result).toBe('would update');
    expect(text(join(root, unit.path))).toBe('A\n');
    expect(installIfDifferent(root, [{ ...unit, contents: 'B\n' }], false)[0]!.result).toBe('updated');
    expect(text(join(root, unit.path))).toBe('B\n');
    expect(readdirSync(join(root, 'etc/systemd/system'))).toEqual(['x.timer']);
  });
});
