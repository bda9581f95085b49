import { createRequire } from 'node:module';
import type Bcrypt from 'bcrypt';
import { UsageError } from '../errors.js';

/**
 * The native bcrypt binding (prebuilt for Linux, glibc and musl), loaded on first use so
 * that commands which never hash do not load it. Native because init waits on a hash:
 * the pure-JS bcryptjs runs its first hash cold, unoptimised, at ten times the cost
 * (about 30 ms of init's 100 above Node's own start-up; npm run bench init). Its async
 * hash runs on libuv's thread pool, so a high cost never holds up Ctrl-C.
 */
let binding: typeof Bcrypt | undefined;
const bcrypt = (): typeof Bcrypt => (binding ??= createRequire(import.meta.url)('bcrypt') as typeof Bcrypt);

/**
 * The registry and nginx verify the hash on every request, and the cost
 * doubles with each step (FACTS.md: cost 5 ≈ 690 req/s, cost 10 ≈ 35 req/s).
 * Generated passwords carry 192 random bits, which no cost makes safer,
 * so the default is htpasswd -B's own cost of 5. --bcrypt-cost raises it.
 */
export const DEFAULT_BCRYPT_COST = 5;

export interface HtpasswdEntry {
  user: string;
  hash: string;
}

const USER = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function validateUserName(name: string, where = '--user'): string {
  if (name.includes(':')) throw new UsageError(`${where} ${JSON.stringify(name)}: a user name cannot contain ':'`);
  if (!USER.test(name)) {
    throw new UsageError(`${where} ${JSON.stringify(name)}: use 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit`);
  }
  return name;
}

export function validatePassword(password: string, user: string): string {
  if (password.length === 0) throw new UsageError(`the password for ${user} is empty`);
  if (/[\r\n]/.test(password)) throw new UsageError(`the password for ${user} contains a line break`);
  if (Buffer.byteLength(password) > 72) throw new UsageError(`the password for ${user} is longer than bcrypt's 72 bytes`);
  return password;
}

/** Only bcrypt lines count: the registry silently ignores every other kind. */
export function parseHtpasswd(text: string): HtpasswdEntry[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf(':');
      return { user: line.slice(0, at), hash: line.slice(at + 1) };
    })
    .filter((e) => e.user && /^\$2[aby]\$\d\d\$/.test(e.hash));
}

export function formatHtpasswd(entries: readonly HtpasswdEntry[]): string {
  return entries.map((e) => `${e.user}:${e.hash}\n`).join('');
}

export function hashPassword(password: string, cost: number): string {
  return bcrypt().hashSync(password, cost);
}

/** The same, off the main thread: the event loop, and so signal handling, goes on meanwhile. */
export function hashPasswordAsync(password: string, cost: number): Promise<string> {
  return bcrypt().hash(password, cost);
}

/**
 * `$2y$` (what `htpasswd -B` writes) is the same algorithm as `$2b$`, under PHP's name;
 * the native binding knows only 2a and 2b, so a 2y hash is compared as 2b.
 */
export function verifyPassword(password: string, hash: string): boolean {
  return bcrypt().compareSync(password, hash.replace(/^\$2y\$/, '$2b$'));
}

/** 24 bytes → 32 base64url characters: 192 bits, and no character a shell or URL mangles. */
export function generatePassword(random: Uint8Array): string {
  return Buffer.from(random).toString('base64url');
}
