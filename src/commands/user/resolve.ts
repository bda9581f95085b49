import { randomBytes } from 'node:crypto';
import { UsageError } from '../../errors.js';
import { createTerminalPrompter, type Prompter } from '../../io/prompt.js';
import { readStdin } from '../../io/stdin.js';
import { parseDir } from '../../options/values.js';
import { generatePassword, validatePassword, validateUserName } from '../../render/htpasswd.js';
import { askPasswordTwice } from '../init/resolve.js';
import { parseRepoGlob, parseRole, type Role } from '../../auth/roles.js';

export interface UserFlags {
  dir?: string;
  json?: boolean;
  passwordStdin?: boolean;
  generate?: boolean;
  update?: boolean;
  role?: string;
  repo?: string[];
}

export interface UserDeps {
  prompt?: Prompter;
  interactive?: boolean;
  readStdin?: () => Promise<string>;
}

export interface UserOptions {
  dir: string;
  name: string;
  role?: Role;
  repos?: string[];
}

/** Flags first, before any file is read or any question asked. */
export function resolveUser(nameArg: string, flags: UserFlags): UserOptions {
  if (flags.passwordStdin && flags.generate) throw new UsageError('--password-stdin and --generate exclude each other: pick one');
  return {
    dir: parseDir(flags.dir ?? './registry'),
    name: validateUserName(nameArg, 'user name'),
    ...(flags.role !== undefined && { role: parseRole(flags.role) }),
    ...(flags.repo !== undefined && { repos: [...new Set(flags.repo.map((r) => parseRepoGlob(r)))] }),
  };
}

/** stdin, --generate, or a hidden prompt asked twice; never argv. */
export async function resolvePassword(name: string, flags: UserFlags, deps: UserDeps): Promise<{ password: string; generated: boolean }> {
  if (flags.generate) return { password: generatePassword(randomBytes(24)), generated: true };
  if (flags.passwordStdin) return { password: validatePassword((await (deps.readStdin ?? readStdin)()).replace(/\r?\n$/, ''), name), generated: false };
  const interactive = deps.interactive ?? Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (!interactive) {
    throw new UsageError(`missing --password-stdin: a password for ${name} (no terminal to ask on; pass --password-stdin, or --generate)`);
  }
  return { password: await askPasswordTwice(deps.prompt ?? (await createTerminalPrompter()), name), generated: false };
}
