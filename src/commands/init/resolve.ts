import { UsageError } from '../../errors.js';
import { AUTH_KINDS, MODES, type AuthKind, type Mode } from '../../bundle/state.js';
import { DEFAULT_AUTH_PORT } from '../../auth/auth-config.js';
import { parseHost } from '../../pki/hosts.js';
import type { KeySpec, KeyType } from '../../pki/keys.js';
import { generatePassword, validatePassword, validateUserName, DEFAULT_BCRYPT_COST } from '../../render/htpasswd.js';
import type { Prompter } from '../../io/prompt.js';
import { parseBcryptCost, parseCaDays, parseCaPair, parseChoice, parseDays, parseDir, parsePort, splitList, validateWith } from '../../options/values.js';
import { resolveKeySpecs } from './key-specs.js';
import { KNOWN_UPSTREAMS, parseMirrorValue, type MirrorRecord } from '../../mirrors/upstreams.js';
import { parseMirrorCredentials, planNewMirrors, type MirrorCredentials } from '../../mirrors/services.js';
import { resolveStorageAnswers, resolveStorageFlags, type StorageAnswers, type StorageFlags } from './storage.js';

/** Flags as commander hands them over: strings, repeatable ones as arrays. */
export interface InitFlags extends StorageFlags {
  dir?: string;
  host?: string[];
  port?: string;
  mode?: string;
  user?: string[];
  passwordStdin?: boolean;
  caCert?: string;
  caKey?: string;
  days?: string;
  caDays?: string;
  keyType?: string;
  keySize?: string;
  caKeySize?: string;
  bcryptCost?: string;
  auth?: string;
  authPort?: string;
  mirror?: string[];
  mirrorPort?: string;
  mirrorCredentialsStdin?: boolean;
  mirrorAuth?: boolean;
  force?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

export interface UserAnswer {
  name: string;
  password: string;
  generated: boolean;
}

export interface InitAnswers {
  dir: string;
  mode: Mode;
  hosts: string[];
  port: number;
  users: UserAnswer[];
  days: number;
  caDays: number;
  keyType: KeyType;
  leafKey: KeySpec;
  caKey: KeySpec;
  bcryptCost: number;
  auth: AuthKind;
  /** Token auth in tls mode: docker_auth's own TLS port. */
  authPort?: number;
  ca?: { certFile: string; keyFile: string };
  /** Pull-through caches, with their ports chosen. */
  mirrors: MirrorRecord[];
  mirrorAuth: boolean;
  /** --mirror-credentials-stdin: the one mirror's upstream login. */
  mirrorCredentials: MirrorCredentials | null;
  storage: StorageAnswers;
}

/** What the answers need from outside: each is a parameter so tests are exact. */
export interface InitEnv {
  interactive: boolean;
  prompt?: Prompter;
  detectedHosts: string[];
  readStdin: () => Promise<string>;
  randomBytes: (n: number) => Uint8Array;
  /** Where AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are looked up. */
  environ?: Record<string, string | undefined>;
}

export const MAX_LEAF_DAYS_APPLE = 825;

/** The parts that need no question: checked first, so bad flags fail before any prompt. */
export function resolveFixedFlags(flags: InitFlags) {
  const dir = parseDir(flags.dir ?? './registry');
  const keys = resolveKeySpecs(flags);
  const days = flags.days === undefined ? MAX_LEAF_DAYS_APPLE : parseDays(flags.days);
  const caDays = flags.caDays === undefined ? 3650 : parseCaDays(flags.caDays);
  const bcryptCost = flags.bcryptCost === undefined ? DEFAULT_BCRYPT_COST : parseBcryptCost(flags.bcryptCost);
  const ca = parseCaPair(flags);
  if (!ca && days > caDays) throw new UsageError(`--days ${days} outlives the CA (--ca-days ${caDays}); clients would stop trusting it early`);
  const storage = resolveStorageFlags(flags);
  const mode = flags.mode === undefined ? storage.impliedMode : parseChoice(flags.mode, '--mode', MODES);
  const port = flags.port === undefined ? undefined : parsePort(flags.port);
  const hosts = flags.host?.map((h) => parseHost(h).value);
  const users = flags.user?.map((u) => validateUserName(u));
  if (mode === 'insecure' && users?.length) throw new UsageError('--user cannot be used with --mode insecure: basic auth needs TLS');
  if (flags.passwordStdin && users?.length !== 1) throw new UsageError('--password-stdin reads one password, so it needs exactly one --user');
  const auth = flags.auth === undefined ? undefined : parseChoice(flags.auth, '--auth', AUTH_KINDS);
  const authPort = flags.authPort === undefined ? undefined : parsePort(flags.authPort, '--auth-port');
  checkAuth(mode, auth, authPort, port);
  const mirrors = resolveMirrorFlags(flags, mode);
  return { ...keys, days, caDays, bcryptCost, mode, port, hosts, users, ca, dir, auth, authPort, mirrors, storage };
}

/**
 * --mirror values, checked before any question. --mirror-credentials-stdin reads one
 * login, so it takes exactly one --mirror; and it cannot share stdin with --password-stdin:
 * two secrets on one stream is a wrong line away from a password sent upstream, so the
 * second mirror login (or a login with --password-stdin) comes with `mirror add`.
 */
function resolveMirrorFlags(flags: InitFlags, mode: Mode | undefined) {
  const values = flags.mirror ?? [];
  for (const v of values) parseMirrorValue(v);
  const firstPort = flags.mirrorPort === undefined ? undefined : parsePort(flags.mirrorPort, '--mirror-port');
  if (values.length === 0) {
    for (const [set, flag] of [[firstPort !== undefined, '--mirror-port'], [flags.mirrorCredentialsStdin, '--mirror-credentials-stdin'], [flags.mirrorAuth, '--mirror-auth']] as const) {
      if (set) throw new UsageError(`${flag} is for pull-through caches: it needs --mirror UPSTREAM`);
    }
  }
  if (flags.mirrorCredentialsStdin && values.length !== 1) throw new UsageError('--mirror-credentials-stdin reads one upstream login, so it needs exactly one --mirror (add others with registry-setup mirror add UPSTREAM --credentials-stdin)');
  for (const [other, flag] of [[flags.passwordStdin, '--password-stdin'], [flags.s3CredentialsStdin, '--s3-credentials-stdin']] as const) {
    if (flags.mirrorCredentialsStdin && other) throw new UsageError(`--mirror-credentials-stdin and ${flag} both read stdin: pass one, and give the mirror its login afterwards with registry-setup mirror add UPSTREAM --credentials-stdin`);
  }
  if (flags.mirrorAuth && mode === 'insecure') throw new UsageError('--mirror-auth cannot be used with --mode insecure: it has no login to ask for');
  return { values, firstPort, credentialsStdin: Boolean(flags.mirrorCredentialsStdin), auth: Boolean(flags.mirrorAuth) };
}

/** Token auth needs TLS; --auth-port is docker_auth's own port, which only tls mode has. Checked again once the wizard has answered. */
function checkAuth(mode: Mode | undefined, auth: AuthKind | undefined, authPort: number | undefined, port: number | undefined): void {
  if (auth === 'token' && mode === 'insecure') throw new UsageError('--auth token cannot be used with --mode insecure: tokens and passwords need TLS');
  if (authPort !== undefined && auth !== 'token') throw new UsageError('--auth-port is the token server\'s port: it needs --auth token');
  if (authPort !== undefined && mode === 'proxy') throw new UsageError('--auth-port is for tls mode: in proxy mode nginx serves the token realm at /auth on --port');
  if (authPort !== undefined && authPort === port) throw new UsageError(`--auth-port ${authPort} is the registry's --port: pick another`);
}

function missing(flag: string, what: string): UsageError {
  return new UsageError(`missing ${flag}: ${what} (no terminal to ask on; pass ${flag}, or --yes for the defaults)`);
}

export async function resolveInitAnswers(flags: InitFlags, env: InitEnv): Promise<InitAnswers> {
  const fixed = resolveFixedFlags(flags);
  const ask = env.interactive && !flags.yes ? env.prompt : undefined;
  const defaults = Boolean(flags.yes);

  const mode: Mode =
    fixed.mode ??
    (ask
      ? ((await ask.select('How should clients reach the registry?', [
          { name: 'tls', hint: 'the registry terminates TLS and checks passwords itself' },
          { name: 'proxy', hint: 'nginx terminates TLS and checks passwords in front of it' },
          { name: 'insecure', hint: 'plain HTTP, no auth; every client needs insecure-registries' },
        ], 'tls')) as Mode)
      : 'tls');

  let hosts = fixed.hosts;
  if (!hosts) {
    if (ask) {
      const answer = await ask.input('Addresses and names clients will use (first is the main one)', env.detectedHosts.join(', '), (v) =>
        validateWith(() => splitList(v).map((h) => parseHost(h, 'host')), splitList(v).length > 0 || 'name at least one address'),
      );
      hosts = splitList(answer).map((h) => parseHost(h).value);
    } else if (defaults && env.detectedHosts.length > 0) hosts = env.detectedHosts;
    else throw missing('--host', 'the address clients use for the registry');
  }
  hosts = [...new Set(hosts)];

  const defaultPort = mode === 'proxy' ? 443 : 5000;
  const port = fixed.port ?? (ask ? parsePort(await ask.input('Port clients will use', String(defaultPort), (v) => validateWith(() => parsePort(v)))) : defaultPort);

  const auth: AuthKind =
    fixed.auth ??
    (ask && mode !== 'insecure'
      ? ((await ask.select('How should users log in?', [
          { name: 'htpasswd', hint: 'simplest: the registry checks the password on every request, and every user may push and delete' },
          { name: 'token', hint: 'roles (pull/push/admin per repository) and bcrypt once per login, for one more container (docker_auth)' },
        ], 'htpasswd')) as AuthKind)
      : 'htpasswd');
  checkAuth(mode, auth, fixed.authPort, port);
  const authPort = auth === 'token' && mode === 'tls' ? fixed.authPort ?? (port === DEFAULT_AUTH_PORT ? DEFAULT_AUTH_PORT + 1 : DEFAULT_AUTH_PORT) : undefined;

  let names = mode === 'insecure' ? [] : fixed.users;
  if (!names) {
    if (ask) {
      const answer = await ask.input('Registry users (comma-separated)', 'admin', (v) =>
        validateWith(() => splitList(v).map((u) => validateUserName(u, 'user')), splitList(v).length > 0 || 'name at least one user'),
      );
      names = splitList(answer);
    } else if (defaults) names = ['admin'];
    else throw missing('--user', 'who may log in to the registry');
  }
  const users = await resolvePasswords([...new Set(names)], flags, env, ask);
  let mirrorValues = fixed.mirrors.values;
  if (mirrorValues.length === 0 && ask && !flags.mirror) {
    const answer = await ask.input(`Pull-through caches to run, for nodes to fetch public images once (comma-separated: ${Object.keys(KNOWN_UPSTREAMS).join(', ')}; empty for none)`, '', (v) =>
      validateWith(() => splitList(v).map((u) => parseMirrorValue(u))));
    mirrorValues = splitList(answer);
  }
  if (fixed.mirrors.auth && mode === 'insecure') throw new UsageError('--mirror-auth cannot be used with --mode insecure: it has no login to ask for');
  const mirrors = planNewMirrors({ mode, port, ...(authPort && { authPort }) }, mirrorValues, {
    ...(fixed.mirrors.firstPort !== undefined && { firstPort: fixed.mirrors.firstPort, explicitPort: true }),
  });
  const mirrorCredentials = fixed.mirrors.credentialsStdin ? parseMirrorCredentials(await env.readStdin()) : null;
  const storage = await resolveStorageAnswers(flags, fixed.storage, { ask, defaults, readStdin: env.readStdin, environ: env.environ ?? {}, missing });
  return { storage, dir: fixed.dir, mode, hosts, port, users, days: fixed.days, caDays: fixed.caDays, keyType: fixed.keyType,
    leafKey: fixed.leafKey, caKey: fixed.caKey, bcryptCost: fixed.bcryptCost, auth, ...(authPort && { authPort }), ...(fixed.ca && { ca: fixed.ca }),
    mirrors, mirrorAuth: fixed.mirrors.auth && mirrors.length > 0, mirrorCredentials };
}

async function resolvePasswords(names: string[], flags: InitFlags, env: InitEnv, ask: Prompter | undefined): Promise<UserAnswer[]> {
  const users: UserAnswer[] = [];
  for (const name of names) {
    if (flags.passwordStdin) {
      const password = validatePassword((await env.readStdin()).replace(/\r?\n$/, ''), name);
      users.push({ name, password, generated: false });
    } else if (ask) {
      users.push({ name, password: await askPasswordTwice(ask, name), generated: false });
    } else if (flags.yes) {
      users.push({ name, password: generatePassword(env.randomBytes(24)), generated: true });
    } else {
      throw missing('--password-stdin', `a password for ${name}`);
    }
  }
  return users;
}

export async function askPasswordTwice(ask: Prompter, name: string): Promise<string> {
  for (;;) {
    const first = await ask.password(`Password for ${name}`, (v) => validateWith(() => validatePassword(v, name)));
    const second = await ask.password(`Repeat the password for ${name}`);
    if (first === second) return first;
    ask.note('The two passwords differ; try again.');
  }
}

/** Adapts a throwing validator to enquirer's `true | message` convention. */
