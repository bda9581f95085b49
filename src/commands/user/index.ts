import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { FailError } from '../../errors.js';
import { readOptional } from '../../bundle/load.js';
import { sweepBundleDir } from '../../io/bundle-sweep.js';
import { restoreInterruptedMaintenance } from '../../maintenance/restore.js';
import { planLayoutFiles } from '../../bundle/plan-files.js';
import { BUNDLE_FILES, type BundleState } from '../../bundle/state.js';
import { readBundleState } from '../../bundle/read-state.js';
import { acquireLock } from '../../io/bundle-lock.js';
import { commitChange } from '../../io/bundle-writer.js';
import { PUBLIC, resolvedFiles } from '../../io/file-plan.js';
import { currentGeneration } from '../../io/generations.js';
import { createOutput, type Output } from '../../io/output.js';
import { parseDir } from '../../options/values.js';
import { removeHtpasswdUser, setHtpasswdUser } from '../../render/htpasswd-edit.js';
import { DEFAULT_BCRYPT_COST, hashPasswordAsync, parseHtpasswd } from '../../render/htpasswd.js';
import { resolvePassword, resolveUser, type UserDeps, type UserFlags } from './resolve.js';
import { printUserChange, printUsers } from './report.js';

export type { UserFlags } from './resolve.js';

interface Auth {
  dir: string;
  state: BundleState;
  text: string | null;
}

/** The bundle's htpasswd; an insecure bundle has none, and says why. */
function readAuth(dir: string): Auth {
  const state = readBundleState(dir);
  if (state.mode === 'insecure') {
    throw new FailError(`${dir} is an insecure-mode bundle: plain HTTP carries no authentication, so it has no users`);
  }
  return { dir, state, text: readOptional(dir, BUNDLE_FILES.htpasswd) };
}

const hasUser = (text: string | null, name: string) => parseHtpasswd(text ?? '').some((e) => e.user === name);

/**
 * Reads htpasswd under the bundle lock, edits it, and commits the new file as a new
 * generation: the registry and nginx re-read it on their next request.
 */
async function editUsers(dir: string, edit: (auth: Auth) => Promise<string>): Promise<{ auth: Auth; text: string; converted: boolean }> {
  readAuth(dir); // no bundle, or an insecure one: one clear line before any lock
  const lock = acquireLock(dir);
  try {
    const auth = readAuth(dir);
    const text = await edit(auth);
    const converted = currentGeneration(dir) === null;
    const files = resolvedFiles([{ path: BUNDLE_FILES.htpasswd, contents: text, mode: PUBLIC }, ...(converted ? planLayoutFiles(auth.state) : [])]);
    await commitChange(dir, { files }, { now: new Date(), random: (n) => randomBytes(n) });
    return { auth, text, converted };
  } finally {
    lock.release();
  }
}

export async function userAdd(nameArg: string, flags: UserFlags, deps: UserDeps & { out?: Output } = {}): Promise<void> {
  const opts = resolveUser(nameArg, flags);
  const out = deps.out ?? createOutput({ json: flags.json });
  const dir = sweepBundleDir(opts.dir, out, restoreInterruptedMaintenance);
  const exists = hasUser(readAuth(dir).text, opts.name);
  if (exists && !flags.update) throw new FailError(`user ${opts.name} already exists in ${BUNDLE_FILES.htpasswd}; pass --update to change the password`);
  const { password, generated } = await resolvePassword(opts.name, flags, deps);
  // The edit reads the file again under the lock: a prompt can take a while, and another edit may have landed.
  const r = await editUsers(dir, async (auth) => setHtpasswdUser(auth.text ?? '', opts.name, await hashPasswordAsync(password, auth.state.bcryptCost ?? DEFAULT_BCRYPT_COST)));
  printUserChange(out, { dir, name: opts.name, action: exists ? 'updated' : 'added', converted: r.converted, ...(generated && { password }) });
}

export async function userRm(nameArg: string, flags: UserFlags, deps: { out?: Output } = {}): Promise<void> {
  const opts = resolveUser(nameArg, flags);
  const out = deps.out ?? createOutput({ json: flags.json });
  const dir = sweepBundleDir(opts.dir, out, restoreInterruptedMaintenance);
  const r = await editUsers(dir, async (auth) => {
    const { text, removed } = removeHtpasswdUser(auth.text ?? '', opts.name);
    if (!removed) throw new FailError(`no user ${opts.name} in ${join(dir, BUNDLE_FILES.htpasswd)} (see registry-setup user ls)`);
    return text;
  });
  const left = parseHtpasswd(r.text).map((e) => e.user);
  if (left.length === 0) out.warn(`no users are left in ${BUNDLE_FILES.htpasswd}: nobody can log in until you add one`);
  printUserChange(out, { dir, name: opts.name, action: 'removed', converted: r.converted, users: left });
}

export async function userLs(flags: UserFlags, deps: { out?: Output } = {}): Promise<void> {
  const out = deps.out ?? createOutput({ json: flags.json });
  const dir = sweepBundleDir(parseDir(flags.dir ?? './registry'), out, restoreInterruptedMaintenance);
  const auth = readAuth(dir);
  if (auth.text === null) out.warn(`${join(dir, BUNDLE_FILES.htpasswd)} is missing; add a user with registry-setup user add NAME`);
  printUsers(out, parseHtpasswd(auth.text ?? '').map((e) => e.user));
}
