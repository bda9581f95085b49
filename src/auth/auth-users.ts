import { parse } from 'yaml';
import { FailError, UsageError } from '../errors.js';
import { validateUserName } from '../render/htpasswd.js';
import { parseRepoGlob, parseRole, type TokenUser } from './roles.js';

// Apart from auth-config.ts, which init renders with: init loads no YAML parser.
/**
 * The users back from auth_config.yml, each field checked with its flag's validator:
 * a hand-edited or damaged file fails with one line naming the file and the user.
 */
export function parseAuthUsers(text: string, file: string): TokenUser[] {
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new FailError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const users = (data as { users?: unknown } | null)?.users;
  if (users === null || typeof users !== 'object' || Array.isArray(users)) throw new FailError(`${file}: users must be a mapping of user names`);
  return Object.entries(users as Record<string, unknown>).map(([name, entry]) => {
    const where = `${file}: users.${name}`;
    try {
      const e = entry as { password?: unknown; labels?: { role?: unknown; repos?: unknown } } | null;
      if (typeof e?.password !== 'string' || !/^\$2[aby]\$\d\d\$/.test(e.password)) throw new UsageError('password must be a bcrypt hash');
      const role = e.labels?.role;
      if (!Array.isArray(role) || role.length !== 1) throw new UsageError('labels.role must be a list of one role');
      const repos = e.labels?.repos ?? [];
      if (!Array.isArray(repos)) throw new UsageError('labels.repos must be a list');
      return { name: validateUserName(name, 'user'), hash: e.password, role: parseRole(role[0], 'labels.role'), repos: repos.map((r) => parseRepoGlob(r, 'labels.repos')) };
    } catch (err) {
      if (err instanceof UsageError) throw new FailError(`${where}: ${err.message}`);
      throw err;
    }
  });
}
