import { join } from 'node:path';
import type { AuthKind } from '../../bundle/state.js';
import type { Output } from '../../io/output.js';
import { describeScope } from '../../auth/roles.js';
import type { UserChange, UserView } from '../../auth/user-store.js';

const NOW_LIVE: Record<AuthKind, string> = {
  htpasswd: 'the registry re-reads the file when it changes, so no restart is needed',
  token: 'docker_auth reloads it within about two seconds, so no restart is needed',
};

export function printUserChange(out: Output, c: { dir: string; name: string; change: UserChange; password?: string }): void {
  const { change } = c;
  if (out.isJson) {
    return out.json({
      user: c.name, action: change.action, ...(change.auth === 'token' && change.user && { role: change.user.role, repos: change.user.repos }),
      ...(c.password && { password: c.password }), ...(change.left && { users: change.left }), converted: change.converted,
    });
  }
  const file = join(c.dir, change.file);
  const live = change.converted
    ? `the bundle now keeps its files in generations, so recreate the containers once for this and every later change to apply: cd ${c.dir} && docker compose up -d`
    : NOW_LIVE[change.auth];
  const gone = change.auth === 'token' ? ': their next login fails (a token already issued lasts at most 15 minutes)' : ': their next request gets 401';
  const role = change.auth === 'token' && change.user ? ` as ${change.user.role} of ${describeScope(change.user)}` : '';
  if (change.action === 'removed') out.print(`${out.green('✔')} Removed ${c.name} from ${file}; ${live}${change.converted ? '' : gone}.`);
  else out.print(`${out.green('✔')} ${change.action === 'updated' ? 'Changed the password of' : 'Added'} ${c.name}${role} in ${file}; ${live}.`);
  if (c.password) out.print(`  Password for ${c.name} (shown once; only its bcrypt hash is stored): ${c.password}`);
}

/** htpasswd: names, as before roles existed (every such user may do everything); token: name, role and scope. */
export function printUsers(out: Output, auth: AuthKind, users: UserView[]): void {
  if (out.isJson) return out.json(auth === 'token' ? users : users.map((u) => u.name));
  if (users.length === 0) return;
  if (auth === 'htpasswd') return out.print(users.map((u) => u.name).join('\n'));
  const width = Math.max(...users.map((u) => u.name.length));
  out.print(users.map((u) => `${u.name.padEnd(width)}  ${u.role.padEnd(5)}  ${describeScope(u)}`).join('\n'));
}
