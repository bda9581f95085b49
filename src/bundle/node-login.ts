import { join } from 'node:path';
import { FailError } from '../errors.js';
import { validatePassword, validateUserName } from '../render/htpasswd.js';
import { readOptional } from './load.js';
import { BUNDLE_FILES } from './state.js';

/**
 * The one login every node pulls with (trust-node --login-generate, k8s-secret --generate):
 * made once, kept in the bundle so that nodes trusted later get the same one.
 */
export interface NodeLogin {
  user: string;
  password: string;
}

/** The user --login-generate creates. */
export const NODE_USER = 'nodes';

export function renderNodeLogin(login: NodeLogin): string {
  return `${JSON.stringify({ user: login.user, password: login.password }, null, 2)}\n`;
}

/** The kept login, or null when none was made yet; a file that is there but wrong names itself. */
export function readNodeLogin(dir: string): NodeLogin | null {
  const text = readOptional(dir, BUNDLE_FILES.nodeLogin);
  if (text === null) return null;
  const file = join(dir, BUNDLE_FILES.nodeLogin);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new FailError(`${file} is not JSON; remove it to make a new node login`);
  }
  const { user, password } = (data ?? {}) as Record<string, unknown>;
  if (typeof user !== 'string' || typeof password !== 'string') throw new FailError(`${file} must hold "user" and "password" strings`);
  return { user: validateUserName(user, `${file}: user`), password: validatePassword(password, user) };
}
