import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { FailError, UsageError } from '../errors.js';
import { readOptional } from '../bundle/load.js';
import { planLayoutFiles } from '../bundle/plan-files.js';
import { readBundleState } from '../bundle/read-state.js';
import { BUNDLE_FILES, authOf, type AuthKind, type BundleState } from '../bundle/state.js';
import { acquireLock } from '../io/bundle-lock.js';
import { commitChange } from '../io/bundle-writer.js';
import { PUBLIC, resolvedFiles, type PlannedFile } from '../io/file-plan.js';
import { currentGeneration } from '../io/generations.js';
import { removeHtpasswdUser, setHtpasswdUser } from '../render/htpasswd-edit.js';
import { DEFAULT_BCRYPT_COST, hashPasswordAsync, parseHtpasswd } from '../render/htpasswd.js';
import { renderAuthConfig } from './auth-config.js';
import { parseAuthUsers } from './auth-users.js';
import { nudgeTokenServer } from './live-reload.js';
import type { Role, TokenUser } from './roles.js';

/**
 * The bundle's users, whichever auth it has: htpasswd lines (every user may do everything,
 * so each counts as an admin of every repository) or docker_auth's users with roles.
 * Every change is one generation commit (atomic, crash-safe); a token bundle's running
 * docker_auth is then nudged to reload (auth/live-reload.ts).
 */

export interface UserView {
  name: string;
  role: Role;
  repos: string[];
}

export interface UserSet {
  dir: string;
  state: BundleState;
  auth: AuthKind;
  /** The file the users live in, relative to the bundle. */
  file: string;
  /** null when the file is missing. */
  text: string | null;
  users: (UserView & { hash: string })[];
}

const TOKEN_ONLY = 're-run init with --auth token (htpasswd has no roles: every user may push and delete)';

export function readUsers(dir: string): UserSet {
  const state = readBundleState(dir);
  if (state.mode === 'insecure') throw new FailError(`${dir} is an insecure-mode bundle: plain HTTP carries no authentication, so it has no users`);
  const auth = authOf(state);
  const file = auth === 'token' ? BUNDLE_FILES.authConfig : BUNDLE_FILES.htpasswd;
  const text = readOptional(dir, file);
  const users = auth === 'token'
    ? text === null ? [] : parseAuthUsers(text, join(dir, file))
    : parseHtpasswd(text ?? '').map((e) => ({ name: e.user, hash: e.hash, role: 'admin' as const, repos: [] }));
  return { dir, state, auth, file, text, users };
}

export interface AddUserRequest {
  name: string;
  /** Required for a new token user; --update keeps the current one when absent. */
  role?: Role;
  /** Replaces the user's repository limits when given; empty or absent on a new user: every repository. */
  repos?: string[];
  /** Change an existing user (its password, and the role or repos given); without it an existing user is an error. */
  update?: boolean;
}

/** Checks a request against the bundle before any password is asked: one line, nothing written. */
export function checkAddUser(set: UserSet, req: AddUserRequest): { exists: boolean } {
  if (set.auth === 'htpasswd') {
    if (req.role !== undefined && req.role !== 'admin') throw new UsageError(`--role ${req.role} needs token auth: ${TOKEN_ONLY}`);
    if (req.repos?.length) throw new UsageError(`--repo needs token auth: ${TOKEN_ONLY}`);
  }
  const exists = set.users.some((u) => u.name === req.name);
  if (exists && !req.update) throw new FailError(`user ${req.name} already exists in ${set.file}; pass --update to change the password`);
  if (!exists && set.auth === 'token' && req.role === undefined) throw new UsageError('missing --role: pull, push or admin (token auth gives every user a role)');
  return { exists };
}

export interface UserChange {
  action: 'added' | 'updated' | 'removed';
  auth: AuthKind;
  file: string;
  /** The bundle was flat and now keeps generations: the containers need recreating once. */
  converted: boolean;
  user?: UserView;
  /** Names left, after a removal. */
  left?: string[];
}

/** A new users' file, and files committed with it by the same rename (the nodes' kept login). */
export interface UsersEdit {
  contents: string;
  change: Omit<UserChange, 'auth' | 'file' | 'converted'>;
  extra?: readonly PlannedFile[];
}

/**
 * Reads the users under the bundle lock, edits them, commits the new file, and nudges
 * docker_auth. An edit that returns null changes nothing: no commit, and null back.
 */
export async function editUsers(dir: string, edit: (set: UserSet) => Promise<UsersEdit | null>): Promise<UserChange | null> {
  readUsers(dir); // no bundle, or an insecure one: one clear line before any lock
  const lock = acquireLock(dir);
  let result: UserChange | null = null;
  try {
    const set = readUsers(dir);
    const edited = await edit(set);
    if (edited === null) return null;
    const converted = currentGeneration(dir) === null;
    const files: PlannedFile[] = [{ path: set.file, contents: edited.contents, mode: PUBLIC }, ...(edited.extra ?? []), ...(converted ? planLayoutFiles(set.state) : [])];
    await commitChange(dir, { files: resolvedFiles(files) }, { now: new Date(), random: (n) => randomBytes(n) });
    result = { ...edited.change, auth: set.auth, file: set.file, converted };
  } finally {
    lock.release();
  }
  if (result.auth === 'token') nudgeTokenServer(dir);
  return result;
}

/** The users' file with `user` in it, added or replacing the one of that name (htpasswd keeps only the hash). */
export function usersWith(set: UserSet, user: TokenUser): string {
  if (set.auth === 'htpasswd') return setHtpasswdUser(set.text ?? '', user.name, user.hash);
  const users = set.users.some((u) => u.name === user.name) ? set.users.map((u) => (u.name === user.name ? user : u)) : [...set.users, user];
  return renderAuthConfig(set.state, users);
}

/**
 * Adds a user with a role (or changes one, with `update`), hashing at the bundle's
 * recorded cost. With htpasswd only an admin of every repository can be made. Takes the
 * bundle lock itself: call it when not holding it. trust-node uses it for its pull-only
 * node user.
 */
export async function addUserWithRole(dir: string, req: AddUserRequest & { password: string }): Promise<UserChange> {
  const change = await editUsers(dir, async (set) => {
    const { exists } = checkAddUser(set, req); // again under the lock: another edit may have landed
    const hash = await hashPasswordAsync(req.password, set.state.bcryptCost ?? DEFAULT_BCRYPT_COST);
    const old = set.users.find((u) => u.name === req.name);
    const user: TokenUser = set.auth === 'htpasswd'
      ? { name: req.name, hash, role: 'admin', repos: [] }
      : { name: req.name, hash, role: req.role ?? old!.role, repos: req.repos ?? old?.repos ?? [] };
    return { contents: usersWith(set, user), change: { action: exists ? 'updated' : 'added', user: { name: user.name, role: user.role, repos: user.repos } } };
  });
  return change!;
}

export async function removeUser(dir: string, name: string): Promise<UserChange> {
  const change = await editUsers(dir, async (set) => {
    if (!set.users.some((u) => u.name === name)) throw new FailError(`no user ${name} in ${join(dir, set.file)} (see registry-setup user ls)`);
    const left = set.users.filter((u) => u.name !== name);
    const contents = set.auth === 'token' ? renderAuthConfig(set.state, left) : removeHtpasswdUser(set.text ?? '', name).text;
    return { contents, change: { action: 'removed', left: left.map((u) => u.name) } };
  });
  return change!;
}
