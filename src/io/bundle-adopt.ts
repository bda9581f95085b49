import { lstatSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { GEN_DIR, TOP_LEVEL_NAMES, generationId, linkTarget } from '../bundle/layout.js';
import { fsyncAll, fsyncDir, makeDirs } from './atomic-write.js';
import { readTree, type StoredFile } from './generations.js';
import { buildGeneration, ensureLinks, freshEntries, switchCurrent } from './generation-build.js';
import type { WriteContext } from './bundle-writer.js';

/**
 * A bundle written before generations holds plain files and directories at the
 * contract paths. Before its first change it is adopted, without changing a byte
 * any reader sees: its files are copied into a first generation, which becomes
 * current, and each path then becomes a link to that same content (a file by one
 * rename over it). A directory cannot be renamed over, so it is moved aside into
 * .flat-STAMP/ first and kept there: containers started from the old compose file
 * have it bind-mounted and go on reading it until they are recreated. A kill
 * between those two renames leaves the name missing for a moment; the next
 * command's sweep restores the link (io/bundle-sweep.ts). Returns the generation,
 * or null when DIR holds nothing to adopt.
 */
export async function adoptFlatBundle(dir: string, ctx: WriteContext): Promise<string | null> {
  const flat = TOP_LEVEL_NAMES.filter((name) => kindOf(join(dir, name)) !== null && kindOf(join(dir, name)) !== 'link');
  if (flat.length === 0) return null;
  const files: StoredFile[] = flat.flatMap((name) =>
    kindOf(join(dir, name)) === 'dir'
      ? readTree(join(dir, name), (rel) => /\.(tmp|bak)-/.test(rel)).map((f) => ({ ...f, path: `${name}/${f.path}` }))
      : readTree(dir, (rel) => rel !== name),
  );
  const gen = generationId(ctx.now, ctx.random(3));
  makeDirs(join(dir, GEN_DIR));
  const { entries, fresh } = freshEntries(gen, files);
  await fsyncAll(buildGeneration(dir, gen, files, entries, fresh, null));
  switchCurrent(dir, gen, ctx.random, false); // the same bytes as before: not yet the command's commit
  const aside = join(dir, `.flat-${gen.slice(2)}`);
  for (const name of flat) {
    if (kindOf(join(dir, name)) === 'dir') {
      makeDirs(aside, 0o700);
      renameSync(join(dir, name), join(aside, name));
    } else {
      const tmp = join(dir, `.${name}.link-${gen.slice(-6)}`);
      symlinkSync(linkTarget(name), tmp);
      renameSync(tmp, join(dir, name));
    }
  }
  ensureLinks(dir, flat);
  fsyncDir(dir);
  return gen;
}

function kindOf(path: string): 'file' | 'dir' | 'link' | null {
  try {
    const st = lstatSync(path);
    return st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file';
  } catch {
    return null;
  }
}
