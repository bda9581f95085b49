import { join } from 'node:path';
import { BUNDLE_FILES } from '../../bundle/state.js';
import type { Output } from '../../io/output.js';

const NOW_LIVE = 'the registry re-reads the file when it changes, so no restart is needed';

interface UserChange {
  dir: string;
  name: string;
  action: 'added' | 'updated' | 'removed';
  converted: boolean;
  /** Shown once, when generated. */
  password?: string;
  users?: string[];
}

export function printUserChange(out: Output, c: UserChange): void {
  if (out.isJson) return out.json({ user: c.name, action: c.action, ...(c.password && { password: c.password }), ...(c.users && { users: c.users }), converted: c.converted });
  const file = join(c.dir, BUNDLE_FILES.htpasswd);
  const live = c.converted
    ? `the bundle now keeps its files in generations, so recreate the containers once for this and every later change to apply: cd ${c.dir} && docker compose up -d`
    : NOW_LIVE;
  if (c.action === 'removed') out.print(`${out.green('✔')} Removed ${c.name} from ${file}; ${live}${c.converted ? '' : ': their next request gets 401'}.`);
  else out.print(`${out.green('✔')} ${c.action === 'updated' ? 'Changed the password of' : 'Added'} ${c.name} in ${file}; ${live}.`);
  if (c.password) out.print(`  Password for ${c.name} (shown once; only its bcrypt hash is stored): ${c.password}`);
}

export function printUsers(out: Output, names: string[]): void {
  if (out.isJson) return out.json(names);
  if (names.length > 0) out.print(names.join('\n'));
}
