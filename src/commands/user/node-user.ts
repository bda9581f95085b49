import { randomBytes } from 'node:crypto';
import { FailError } from '../../errors.js';
import { BUNDLE_FILES } from '../../bundle/state.js';
import { NODE_USER, readNodeLogin, renderNodeLogin, type NodeLogin } from '../../bundle/node-login.js';
import { PRIVATE } from '../../io/file-plan.js';
import { setHtpasswdUser } from '../../render/htpasswd-edit.js';
import { DEFAULT_BCRYPT_COST, generatePassword, hashPasswordAsync, parseHtpasswd, verifyPassword } from '../../render/htpasswd.js';
import { editUsers } from './index.js';

export interface EnsuredNodeUser {
  login: NodeLogin;
  /** 'created': new user and kept login; 'restored': the kept login's user was missing or changed in htpasswd; 'kept'. */
  action: 'created' | 'restored' | 'kept';
}

/**
 * The nodes' pull login: made once and kept in the bundle (node-login/, 0600, mounted
 * nowhere), so that every node trusted later gets the same one. The user goes in through the
 * same path as `user add` (htpasswd), in the same commit as the kept login.
 *
 * This is the one place that decides what the node user may do: with htpasswd it is an
 * ordinary user (htpasswd has no roles, so it can push too); under token auth it is meant
 * to become a pull-only role.
 */
export async function ensureNodeUser(dir: string, random: (n: number) => Uint8Array = randomBytes): Promise<EnsuredNodeUser> {
  let action: EnsuredNodeUser['action'] = 'kept';
  let login: NodeLogin | null = null;
  await editUsers(
    dir,
    async (auth) => {
      const kept = readNodeLogin(dir);
      login = kept ?? { user: NODE_USER, password: generatePassword(random(24)) };
      const entry = parseHtpasswd(auth.text ?? '').find((e) => e.user === login!.user);
      if (kept && entry && verifyPassword(kept.password, entry.hash)) return null;
      if (!kept && entry) {
        throw new FailError(`a user ${login.user} exists already, and the bundle does not keep its password: pass --login ${login.user} with its password, or remove it first (registry-setup user rm ${login.user})`);
      }
      action = kept ? 'restored' : 'created';
      const text = setHtpasswdUser(auth.text ?? '', login.user, await hashPasswordAsync(login.password, auth.state.bcryptCost ?? DEFAULT_BCRYPT_COST));
      // Read under the lock: only a login made here is written, never a kept one rewritten.
      return { text, extra: kept ? [] : [{ path: BUNDLE_FILES.nodeLogin, contents: renderNodeLogin(login), mode: PRIVATE }] };
    },
  );
  return { login: login!, action };
}
