import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONTAINER_BUNDLE, GEN_DIR, STORES } from '../src/bundle/layout.js';
import { prepareRootFs } from './e2e/support/lan-seed.js';

/**
 * vitest globalSetup: the proof that a test run leaves the machine's own /etc as it found it.
 * Every test that plays a node does so in a namespace with private copies (e2e/support/lan-seed.ts);
 * a test that wrote through to the real /etc would otherwise go unnoticed, and would make other
 * tests see its trust. The listing holds each entry's type, mode, owner and content hash, so a
 * file rewritten with the same bytes passes and anything else fails the run at teardown.
 *
 * The tests' lasting changes to the machine are made here first, idempotently, so they are part
 * of "before" and the comparison stays exact: the lan's two login users, its sudoers line and
 * mount points, and the mount points that the native compose runner (e2e/support/compose-stack.ts)
 * creates where a bundle's volumes land: /etc/registry-setup/{.gen,.tls,.token}, and
 * /etc/distribution/config.yml (registry 3's config path, for a single-file mount).
 */
async function prepareMountPoints(): Promise<void> {
  for (const d of [GEN_DIR, STORES.certs, STORES.token]) await mkdir(join(CONTAINER_BUNDLE, d), { recursive: true });
  await mkdir('/etc/distribution', { recursive: true });
  await writeFile('/etc/distribution/config.yml', '', { flag: 'a' });
}

const ROOT = '/etc';

export async function listTree(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (path: string): Promise<void> => {
    const st = await lstat(path).catch(() => null);
    if (!st) return; // gone between readdir and lstat
    const head = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
    if (st.isSymbolicLink()) out.set(path, `link ${head} -> ${await readlink(path)}`);
    else if (st.isFile()) {
      const body = await readFile(path).catch((e: NodeJS.ErrnoException) => e.code ?? 'unreadable');
      out.set(path, `file ${head} ${typeof body === 'string' ? body : createHash('sha256').update(body).digest('hex')}`);
    } else if (st.isDirectory()) {
      out.set(path, `dir ${head}`);
      const names = await readdir(path).catch(() => []);
      for (const name of names.sort()) await walk(join(path, name));
    } else out.set(path, `other ${head}`);
  };
  await walk(root);
  return out;
}

export function treeChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const changes: string[] = [];
  for (const [path, was] of before) {
    const now = after.get(path);
    if (now === undefined) changes.push(`removed ${path}`);
    else if (now !== was) changes.push(`changed ${path}: ${was} -> ${now}`);
  }
  for (const path of after.keys()) if (!before.has(path)) changes.push(`added ${path}`);
  return changes;
}

export default async function setup(): Promise<() => Promise<void>> {
  if (process.getuid?.() === 0) await Promise.all([prepareRootFs(), prepareMountPoints()]);
  const before = await listTree(ROOT);
  return async () => {
    const changes = treeChanges(before, await listTree(ROOT));
    if (changes.length > 0) {
      // vitest reports a teardown error but still exits 0: the exit code must say it too.
      process.exitCode = 1;
      throw new Error(`the tests changed the machine's own ${ROOT} (${changes.length}):\n${changes.slice(0, 40).join('\n')}`);
    }
  };
}
