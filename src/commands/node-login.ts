import { join } from 'node:path';
import { FailError, UsageError } from '../errors.js';
import { readNodeLogin, NODE_USER, type NodeLogin } from '../bundle/node-login.js';
import { readUsers } from '../auth/user-store.js';
import { createTerminalPrompter, type Prompter } from '../io/prompt.js';
import { readStdin } from '../io/stdin.js';
import { validatePassword, validateUserName, verifyPassword } from '../render/htpasswd.js';

/**
 * The login that nodes (trust-node --login) and Kubernetes (k8s-secret) pull with: a named
 * user whose password comes from stdin or a hidden prompt, never argv; or the bundle's own
 * node login, made once (--login-generate / --generate).
 */
export type LoginChoice = { kind: 'user'; user: string; passwordStdin: boolean } | { kind: 'generate' };

/** Flags first: a bad combination is a usage error before anything is read or asked. */
export function resolveLoginChoice(flags: { user?: string; passwordStdin?: boolean; generate?: boolean }, names: { user: string; generate: string }): LoginChoice | null {
  if (flags.user !== undefined && flags.generate) throw new UsageError(`${names.user} and ${names.generate} exclude each other: pick one`);
  if (flags.passwordStdin && flags.user === undefined) throw new UsageError(`--password-stdin reads the password of ${names.user} USER: name the user`);
  if (flags.generate) return { kind: 'generate' };
  if (flags.user === undefined) return null;
  return { kind: 'user', user: validateUserName(flags.user, names.user), passwordStdin: Boolean(flags.passwordStdin) };
}

export interface LoginDeps {
  readStdin?: () => Promise<string>;
  prompt?: Prompter;
  interactive?: boolean;
  /** --login-generate's apply step (user/node-user.ts), injected so dry runs and tests choose. */
  ensureNodeUser?: (dir: string) => Promise<{ login: NodeLogin; action: string; warning?: string }>;
}

/**
 * The password of a named user, checked against the bundle's users (htpasswd, or docker_auth's) when it has them (a
 * wrong password would otherwise reach every node and fail there, one pull at a time).
 */
export async function namedLogin(dir: string, choice: Extract<LoginChoice, { kind: 'user' }>, flag: string, deps: LoginDeps): Promise<NodeLogin> {
  const { user } = choice;
  let password: string;
  if (choice.passwordStdin) {
    password = validatePassword((await (deps.readStdin ?? readStdin)()).replace(/\r?\n$/, ''), user);
  } else {
    const interactive = deps.interactive ?? Boolean(process.stdin.isTTY && process.stderr.isTTY);
    if (!interactive) throw new UsageError(`missing --password-stdin: the password for ${flag} ${user} (no terminal to ask on)`);
    password = await (deps.prompt ?? (await createTerminalPrompter())).password(`Password of ${user}, for the nodes`);
    validatePassword(password, user);
  }
  const set = readUsers(dir);
  if (set.text !== null) {
    const file = join(dir, set.file);
    const entry = set.users.find((u) => u.name === user);
    if (!entry) throw new FailError(`${flag} ${user}: no such user in ${file} (see registry-setup user ls)`);
    if (!verifyPassword(password, entry.hash)) throw new FailError(`${flag} ${user}: the password does not match ${file}`);
  }
  return { user, password };
}

/** The kept node login, made now if there is none; a dry run makes nothing and shows a stand-in. */
export async function generatedLogin(dir: string, dryRun: boolean, deps: LoginDeps): Promise<{ login: NodeLogin; action: string; warning?: string }> {
  if (dryRun) return { login: readNodeLogin(dir) ?? { user: NODE_USER, password: 'generated-on-a-real-run' }, action: 'dry-run' };
  const ensure = deps.ensureNodeUser ?? (await import('./user/node-user.js')).ensureNodeUser;
  return ensure(dir);
}
