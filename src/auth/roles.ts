import { UsageError } from '../errors.js';
import { parseChoice } from '../options/values.js';

/**
 * Roles, which only token auth can enforce (htpasswd has none: every user may do
 * everything). pull reads; push reads and writes; admin also deletes and lists the catalog.
 */
export const ROLES = ['pull', 'push', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface TokenUser {
  name: string;
  /** bcrypt, checked by docker_auth once per login, never by the registry. */
  hash: string;
  role: Role;
  /** Repository globs the user is limited to; empty means every repository. */
  repos: string[];
}

export const parseRole = (value: unknown, label = '--role'): Role => parseChoice(value, label, ROLES);

/**
 * A repository glob as docker_auth matches it (Go's path.Match): `*` and `?` stay within
 * one path segment, so team-a/* covers team-a/x but not team-a/x/y. Only repository-name
 * characters and the two wildcards: a pattern written /like this/ would be a regex to
 * docker_auth, and brackets a character class nobody meant.
 */
export function parseRepoGlob(value: unknown, label = '--repo'): string {
  if (typeof value !== 'string' || !/^[a-z0-9*?][a-z0-9._*?/-]{0,254}$/.test(value) || value.endsWith('/') || value.includes('//')) {
    throw new UsageError(`${label} ${JSON.stringify(value)} must be a repository name or glob: lowercase letters, digits, . _ - /, with * or ? as wildcards (e.g. team-a/*)`);
  }
  return value;
}

/** What each role may do, in the registry token's action names ("*" includes delete). */
const ACTIONS: Record<Role, string[]> = { pull: ['pull'], push: ['pull', 'push'], admin: ['*'] };

export interface AclEntry {
  match: { account: string; type: 'repository' | 'registry'; name?: string };
  actions: string[];
}

/**
 * docker_auth's ACL for these users, one or more entries each (accounts are exact names:
 * validateUserName lets no glob character through). An admin limited by --repo gets no
 * catalog: it would list the repositories outside the limit.
 */
export function aclFor(users: readonly TokenUser[]): AclEntry[] {
  return users.flatMap((u) => {
    const repos: (string | undefined)[] = u.repos.length > 0 ? u.repos : [undefined];
    const entries: AclEntry[] = repos.map((name) => ({ match: { account: u.name, type: 'repository', ...(name && { name }) }, actions: ACTIONS[u.role] }));
    if (u.role === 'admin' && u.repos.length === 0) entries.push({ match: { account: u.name, type: 'registry', name: 'catalog' }, actions: ['*'] });
    return entries;
  });
}

/** "admin", "push on team-a/*, team-b/*". */
export const describeScope = (u: Pick<TokenUser, 'repos'>): string => (u.repos.length === 0 ? 'every repository' : u.repos.join(', '));
