import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FailError, UsageError } from '../errors.js';
import { readOptional } from '../bundle/load.js';
import { PUBLIC } from '../bundle/plan-init.js';
import { BUNDLE_FILES, readBundleState, type BundleState } from '../bundle/state.js';
import { createOutput, type Output } from '../io/output.js';
import { createTerminalPrompter, type Prompter } from '../io/prompt.js';
import { replaceFiles } from '../io/replace-files.js';
import { readStdin } from '../io/stdin.js';
import { askPasswordTwice } from '../options/init-options.js';
import { removeHtpasswdUser, setHtpasswdUser } from '../render/htpasswd-edit.js';
import { DEFAULT_BCRYPT_COST, generatePassword, hashPassword, parseHtpasswd, validatePassword, validateUserName } from '../render/htpasswd.js';

export interface UserFlags {
  dir?: string;
  json?: boolean;
  passwordStdin?: boolean;
  generate?: boolean;
  update?: boolean;
}

export interface UserDeps {
  out?: Output;
  prompt?: Prompter;
  interactive?: boolean;
  readStdin?: () => Promise<string>;
}

const NOW_LIVE = 'the registry re-reads the file when it changes, so no restart is needed';

interface Auth {
  dir: string;
  state: BundleState;
  text: string | null;
}

/** The bundle's htpasswd; an insecure bundle has none, and says why. */
function readAuth(dirFlag: string | undefined): Auth {
  const dir = resolve(dirFlag ?? './registry');
  const state = readBundleState(dir);
  if (state.mode === 'insecure') {
    throw new FailError(`${dir} is an insecure-mode bundle: plain HTTP carries no authentication, so it has no users`);
  }
  return { dir, state, text: readOptional(dir, BUNDLE_FILES.htpasswd) };
}

function writeAuth(auth: Auth, text: string): void {
  mkdirSync(dirname(join(auth.dir, BUNDLE_FILES.htpasswd)), { recursive: true, mode: 0o755 });
  // One rename: the registry and nginx (which mounts auth/ as a directory) see the old file or the new one.
  replaceFiles(auth.dir, [{ path: BUNDLE_FILES.htpasswd, contents: text, mode: PUBLIC }]);
}

const hasUser = (text: string | null, name: string) => parseHtpasswd(text ?? '').some((e) => e.user === name);

async function resolvePassword(name: string, flags: UserFlags, deps: UserDeps): Promise<{ password: string; generated: boolean }> {
  if (flags.passwordStdin && flags.generate) throw new UsageError('--password-stdin and --generate exclude each other: pick one');
  if (flags.generate) return { password: generatePassword(randomBytes(24)), generated: true };
  if (flags.passwordStdin) return { password: validatePassword((await (deps.readStdin ?? readStdin)()).replace(/\r?\n$/, ''), name), generated: false };
  const interactive = deps.interactive ?? Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (!interactive) {
    throw new UsageError(`missing --password-stdin: a password for ${name} (no terminal to ask on; pass --password-stdin, or --generate)`);
  }
  return { password: await askPasswordTwice(deps.prompt ?? (await createTerminalPrompter()), name), generated: false };
}

export async function userAdd(nameArg: string, flags: UserFlags, deps: UserDeps = {}): Promise<void> {
  const name = validateUserName(nameArg, 'user name');
  const out = deps.out ?? createOutput({ json: flags.json });
  const before = readAuth(flags.dir);
  const exists = hasUser(before.text, name);
  if (exists && !flags.update) throw new FailError(`user ${name} already exists in ${BUNDLE_FILES.htpasswd}; pass --update to change the password`);
  const { password, generated } = await resolvePassword(name, flags, deps);
  // Read again: a prompt can take a while, and another edit may have landed meanwhile.
  const auth = readAuth(flags.dir);
  const hash = hashPassword(password, auth.state.bcryptCost ?? DEFAULT_BCRYPT_COST);
  writeAuth(auth, setHtpasswdUser(auth.text ?? '', name, hash));
  const action = exists ? 'updated' : 'added';
  if (out.isJson) return out.json({ user: name, action, ...(generated && { password }) });
  out.print(`${out.green('✔')} ${exists ? 'Changed the password of' : 'Added'} ${name} in ${join(auth.dir, BUNDLE_FILES.htpasswd)}; ${NOW_LIVE}.`);
  if (generated) out.print(`  Password for ${name} (shown once; only its bcrypt hash is stored): ${password}`);
}

export async function userRm(nameArg: string, flags: UserFlags, deps: UserDeps = {}): Promise<void> {
  const name = validateUserName(nameArg, 'user name');
  const out = deps.out ?? createOutput({ json: flags.json });
  const auth = readAuth(flags.dir);
  const { text, removed } = removeHtpasswdUser(auth.text ?? '', name);
  if (!removed) throw new FailError(`no user ${name} in ${join(auth.dir, BUNDLE_FILES.htpasswd)} (see registry-setup user ls)`);
  writeAuth(auth, text);
  const left = parseHtpasswd(text).map((e) => e.user);
  if (left.length === 0) out.warn(`no users are left in ${BUNDLE_FILES.htpasswd}: nobody can log in until you add one`);
  if (out.isJson) return out.json({ user: name, action: 'removed', users: left });
  out.print(`${out.green('✔')} Removed ${name}; ${NOW_LIVE}: their next request gets 401.`);
}

export async function userLs(flags: UserFlags, deps: UserDeps = {}): Promise<void> {
  const out = deps.out ?? createOutput({ json: flags.json });
  const auth = readAuth(flags.dir);
  if (auth.text === null) out.warn(`${join(auth.dir, BUNDLE_FILES.htpasswd)} is missing; add a user with registry-setup user add NAME`);
  const names = parseHtpasswd(auth.text ?? '').map((e) => e.user);
  if (out.isJson) return out.json(names);
  if (names.length > 0) out.print(names.join('\n'));
}
