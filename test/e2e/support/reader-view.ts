import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import YAML from 'yaml';
import { type ServiceSpec, hostPathOf, kindOf, readCompose } from './compose-file.js';

/**
 * What the containers would read from a bundle right now, found the way they find
 * it: docker-compose.yml (through its link), each service's bind mounts and
 * command, then the files config.yml and the nginx conf name. Links are followed
 * inside the container's view (a link to a directory the service does not mount
 * dangles there, as it would in docker). Nothing here knows the generation layout,
 * so a test built on it checks what readers see, not how the writer stores it.
 * Plus the contract paths that the CLI and people read on the host.
 */

/** What a file is for: the crash test asserts which of these a command changes. */
export type Role = 'compose' | 'state' | 'caCert' | 'caKey' | 'config' | 'nginx' | 'cert' | 'key' | 'htpasswd' | 'authConfig' | 'tokenCert' | 'tokenKey' | 'env';

export interface ReaderView {
  /** "ca/ca.crt" (host, relative) or "registry:/etc/…" (a service's path) -> sha256 of what it reads, or 'missing'. */
  files: Record<string, string>;
  /** The host file behind each key, or null when the reader finds nothing. */
  hosts: Record<string, string | null>;
  /** Which keys each role was found at (registry and nginx may both read a certificate). */
  roles: Partial<Record<Role, string[]>>;
}

const CONTRACT: [Role, string][] = [['compose', 'docker-compose.yml'], ['caCert', 'ca/ca.crt'], ['caKey', 'ca/ca.key'], ['state', 'registry-setup.yml']];

export function readerView(dir: string): ReaderView {
  const view: ReaderView = { files: {}, hosts: {}, roles: {} };
  const add = (role: Role, key: string, host: string | null): string | null => {
    if (!view.roles[role]?.includes(key)) (view.roles[role] ??= []).push(key);
    try {
      const bytes = readFileSync(host ?? ''); // host paths from inContainer() have no links left to follow
      view.files[key] = createHash('sha256').update(bytes).digest('hex');
      view.hosts[key] = host;
      return bytes.toString('utf8');
    } catch {
      view.files[key] = 'missing';
      view.hosts[key] = null;
      return null;
    }
  };
  for (const [role, rel] of CONTRACT) add(role, rel, path.join(dir, rel));
  if (view.files['docker-compose.yml'] === 'missing') return view;
  for (const spec of readCompose(dir)) {
    // compose reads a service's env files on the host (S3 keys, the shared secret, a mirror's upstream login).
    for (const f of spec.envFiles) add('env', `${spec.name}:env_file:${path.relative(dir, f)}`, f);
    const read = (role: Role, p: string) => add(role, `${spec.name}:${p}`, inContainer(spec, p));
    const kind = kindOf(spec);
    if (kind === 'registry') registryReads(spec, read);
    else if (kind === 'docker_auth') authReads(spec, read);
    else nginxReads(spec, read);
  }
  return view;
}

/**
 * The host file a container reaches at `p`: every component is resolved in the
 * container's namespace, so a link is followed from where it sits in the container,
 * then mapped back through the mounts. Outside every mount is the image's own fs,
 * which holds none of the bundle's files: null.
 */
export function inContainer(spec: ServiceSpec, p: string, hops = 0): string | null {
  if (hops > 40) return null; // ELOOP
  const parts = p.split('/').filter(Boolean);
  let cur = '/';
  for (let i = 0; i < parts.length; i++) {
    const next = path.posix.join(cur, parts[i]!);
    let host: string;
    try {
      host = hostPathOf(spec, next);
    } catch {
      cur = next; // above the mounts: a plain directory of the image
      continue;
    }
    let isLink: boolean;
    try {
      isLink = lstatSync(host).isSymbolicLink();
    } catch {
      return null;
    }
    if (isLink) return inContainer(spec, path.posix.join(path.posix.resolve(cur, readlinkSync(host)), ...parts.slice(i + 1)), hops + 1);
    cur = next;
  }
  try {
    return hostPathOf(spec, cur);
  } catch {
    return null;
  }
}

type Read = (role: Role, containerPath: string) => string | null;

/** The registry reads `serve CONFIG`, then the TLS pair and htpasswd that config names. */
function registryReads(spec: ServiceSpec, read: Read): void {
  const [verb, config] = spec.command ?? [];
  if (verb !== 'serve' || !config) throw new Error(`service ${spec.name}: command ${JSON.stringify(spec.command)} names no config`);
  const text = read('config', config);
  if (text === null) return;
  const doc = YAML.parse(text) as { http?: { tls?: { certificate?: string; key?: string } }; auth?: { htpasswd?: { path?: string }; token?: { rootcertbundle?: string } } };
  const named: [Role, string | undefined][] = [
    ['cert', doc.http?.tls?.certificate], ['key', doc.http?.tls?.key], ['htpasswd', doc.auth?.htpasswd?.path], ['tokenCert', doc.auth?.token?.rootcertbundle],
  ];
  for (const [role, p] of named) if (p) read(role, p);
}

/** docker_auth reads the config its command names (users and their hashes within), then the files that config names. */
function authReads(spec: ServiceSpec, read: Read): void {
  const config = spec.command?.at(-1);
  if (!config?.startsWith('/')) throw new Error(`service ${spec.name}: command ${JSON.stringify(spec.command)} names no config`);
  const text = read('authConfig', config);
  if (text === null) return;
  const doc = YAML.parse(text) as { server?: { certificate?: string; key?: string }; token?: { certificate?: string; key?: string } };
  const named: [Role, string | undefined][] = [
    ['cert', doc.server?.certificate], ['key', doc.server?.key], ['tokenCert', doc.token?.certificate], ['tokenKey', doc.token?.key],
  ];
  for (const [role, p] of named) if (p) read(role, p);
}

/** nginx reads `-c CONF`, then the certificate, key and user file it names. */
function nginxReads(spec: ServiceSpec, read: Read): void {
  const args = spec.command ?? [];
  const conf = args[args.indexOf('-c') + 1];
  if (!args.includes('-c') || !conf) throw new Error(`service ${spec.name}: command ${JSON.stringify(spec.command)} has no -c`);
  const text = read('nginx', conf);
  if (text === null) return;
  const roles: Record<string, Role> = { ssl_certificate: 'cert', ssl_certificate_key: 'key', auth_basic_user_file: 'htpasswd' };
  for (const m of text.matchAll(/^\s*(ssl_certificate|ssl_certificate_key|auth_basic_user_file)\s+([^;\s]+)\s*;/gm)) read(roles[m[1]!]!, m[2]!);
}

/** The host files a role was read from; every reader of it must have found one. */
export function roleFiles(view: ReaderView, role: Role): string[] {
  const keys = view.roles[role] ?? [];
  if (keys.length === 0) throw new Error(`no reader names a ${role} file`);
  return keys.map((k) => {
    const host = view.hosts[k];
    if (!host) throw new Error(`${k} (${role}) is missing for its reader`);
    return host;
  });
}

/** Roles whose files differ between two views (a key present in only one counts as changed). */
export function changedRoles(before: ReaderView, after: ReaderView): Role[] {
  const roles = new Set([...Object.keys(before.roles), ...Object.keys(after.roles)] as Role[]);
  return [...roles].filter((role) => {
    const keys = new Set([...(before.roles[role] ?? []), ...(after.roles[role] ?? [])]);
    return [...keys].some((k) => before.files[k] !== after.files[k]);
  }).sort();
}

const stdout = async (args: string[]) => (await execa('openssl', args)).stdout;

/**
 * The pairs readers rely on hold together: each certificate matches its key (the same
 * public key per openssl) and the server certificate verifies against ca/ca.crt (any
 * intermediates after the leaf are passed as untrusted). An outside CA has no key here.
 */
export async function checkPairs(dir: string, view: ReaderView): Promise<void> {
  const [caCert] = roleFiles(view, 'caCert');
  const pairs: [string, string][] = view.hosts['ca/ca.key'] ? [[caCert!, view.hosts['ca/ca.key']]] : [];
  const certs = roleFiles(view, 'cert');
  for (const cert of certs) for (const key of roleFiles(view, 'key')) pairs.push([cert, key]);
  // Token auth: every token docker_auth signs verifies against what the registry trusts.
  if (view.roles.tokenKey) for (const cert of roleFiles(view, 'tokenCert')) for (const key of roleFiles(view, 'tokenKey')) pairs.push([cert, key]);
  for (const [cert, key] of pairs) {
    const [a, b] = await Promise.all([stdout(['x509', '-noout', '-pubkey', '-in', cert]), stdout(['pkey', '-pubout', '-in', key])]);
    if (a !== b) throw new Error(`${path.relative(dir, key)} does not match ${path.relative(dir, cert)}`);
  }
  for (const cert of certs) {
    const verify = await execa('openssl', ['verify', '-CAfile', caCert!, '-untrusted', cert, cert], { reject: false });
    if (verify.exitCode !== 0) throw new Error(`${path.relative(dir, cert)} does not verify against ca/ca.crt: ${verify.stdout}${verify.stderr}`);
  }
}
