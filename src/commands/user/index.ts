import { join } from 'node:path';
import { sweepBundleDir } from '../../io/bundle-sweep.js';
import { restoreInterruptedMaintenance } from '../../maintenance/restore.js';
import { createOutput, type Output } from '../../io/output.js';
import { parseDir } from '../../options/values.js';
import { addUserWithRole, checkAddUser, readUsers, removeUser } from '../../auth/user-store.js';
import { resolvePassword, resolveUser, type UserDeps, type UserFlags } from './resolve.js';
import { printUserChange, printUsers } from './report.js';

export type { UserFlags } from './resolve.js';

/** resolve (flags, then the bundle: a refused role is one line before any question) → password → commit → report. */
export async function userAdd(nameArg: string, flags: UserFlags, deps: UserDeps & { out?: Output } = {}): Promise<void> {
  const opts = resolveUser(nameArg, flags);
  const out = deps.out ?? createOutput({ json: flags.json });
  const dir = sweepBundleDir(opts.dir, out, restoreInterruptedMaintenance);
  const req = { name: opts.name, role: opts.role, repos: opts.repos, update: flags.update };
  checkAddUser(readUsers(dir), req);
  const { password, generated } = await resolvePassword(opts.name, flags, deps);
  // The edit reads the file again under the lock: a prompt can take a while, and another edit may have landed.
  const change = await addUserWithRole(dir, { ...req, password });
  printUserChange(out, { dir, name: opts.name, change, ...(generated && { password }) });
}

export async function userRm(nameArg: string, flags: UserFlags, deps: { out?: Output } = {}): Promise<void> {
  const opts = resolveUser(nameArg, flags);
  const out = deps.out ?? createOutput({ json: flags.json });
  const dir = sweepBundleDir(opts.dir, out, restoreInterruptedMaintenance);
  const change = await removeUser(dir, opts.name);
  if (change.left!.length === 0) out.warn(`no users are left in ${change.file}: nobody can log in until you add one`);
  printUserChange(out, { dir, name: opts.name, change });
}

export async function userLs(flags: UserFlags, deps: { out?: Output } = {}): Promise<void> {
  const out = deps.out ?? createOutput({ json: flags.json });
  const dir = sweepBundleDir(parseDir(flags.dir ?? './registry'), out, restoreInterruptedMaintenance);
  const set = readUsers(dir);
  if (set.text === null) out.warn(`${join(dir, set.file)} is missing; add a user with registry-setup user add NAME`);
  printUsers(out, set.auth, set.users.map(({ name, role, repos }) => ({ name, role, repos })));
}
