import { randomBytes } from 'node:crypto';
import { FailError } from '../../errors.js';
import { BUNDLE_FILES } from '../../bundle/state.js';
import { NODE_USER, readNodeLogin, renderNodeLogin, type NodeLogin } from '../../bundle/node-login.js';
import { PRIVATE } from '../../io/file-plan.js';
import { editUsers, usersWith } from '../../auth/user-store.js';
import { tokenRealm } from '../../auth/auth-config.js';
import { waitUntilRealmAccepts } from '../../auth/live-reload.js';
import { readOptional } from '../../bundle/load.js';
import { readBundleState } from '../../bundle/read-state.js';
import { DEFAULT_BCRYPT_COST, generatePassword, hashPasswordAsync, verifyPassword } from '../../render/htpasswd.js';

export interface EnsuredNodeUser {
  login: NodeLogin;
  /** 'created': new user and kept login; 'restored': the kept login's user was missing or changed; 'kept'. */
  action: 'created' | 'restored' | 'kept';
  /** Said when the running token server did not take the new login within the wait. */
  warning?: string;
}

/**
 * The nodes' pull login: made once and kept in the bundle (node-login/, 0600, mounted
 * nowhere), so that every node trusted later gets the same one. The user goes in through
 * the same path as `user add`, in the same commit as the kept login.
 *
 * This is the one place that decides what the node user may do: under token auth it is
 * a pull-only user of every repository; htpasswd has no roles, so there it can push too.
 */
export async function ensureNodeUser(dir: string, random: (n: number) => Uint8Array = randomBytes): Promise<EnsuredNodeUser> {
  let action: EnsuredNodeUser['action'] = 'kept';
  let login: NodeLogin | null = null;
  const change = await editUsers(dir, async (set) => {
    const kept = readNodeLogin(dir);
    login = kept ?? { user: NODE_USER, password: generatePassword(random(24)) };
    const role = set.auth === 'token' ? 'pull' as const : 'admin' as const;
    const entry = set.users.find((u) => u.name === login!.user);
    if (kept && entry && verifyPassword(kept.password, entry.hash) && entry.role === role && entry.repos.length === 0) return null;
    if (!kept && entry) {
      throw new FailError(`a user ${login.user} exists already, and the bundle does not keep its password: pass --login ${login.user} with its password, or remove it first (registry-setup user rm ${login.user})`);
    }
    action = kept ? 'restored' : 'created';
    const hash = await hashPasswordAsync(login.password, set.state.bcryptCost ?? DEFAULT_BCRYPT_COST);
    // Read under the lock: only a login made here is written, never a kept one rewritten.
    return {
      contents: usersWith(set, { name: login.user, hash, role, repos: [] }),
      change: { action: kept ? 'updated' : 'added', user: { name: login.user, role, repos: [] } },
      extra: kept ? [] : [{ path: BUNDLE_FILES.nodeLogin, contents: renderNodeLogin(login), mode: PRIVATE }],
    };
  });
  const warning = change?.auth === 'token' ? await waitForTokenServer(dir, login!)
    : change?.action === 'added' ? `htpasswd has no roles, so the node user ${login!.user} can push and delete too; only a bundle made with init --auth token gives the nodes a pull-only login` : undefined;
  return { login: login!, action, ...(warning && { warning }) };
}

/** docker_auth loads a changed config within about two seconds: a node pulling at once must not be refused meanwhile. */
async function waitForTokenServer(dir: string, login: NodeLogin): Promise<string | undefined> {
  const realm = tokenRealm(readBundleState(dir));
  const caPem = readOptional(dir, BUNDLE_FILES.caCert);
  if (caPem === null || (await waitUntilRealmAccepts(realm, caPem, login))) return undefined;
  return `the token server at ${realm} does not accept the node login yet, so the nodes' pulls fail until it does; check that its auth container runs (docker compose ps)`;
}
