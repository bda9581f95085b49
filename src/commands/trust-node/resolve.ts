import { isIP } from 'node:net';
import { join } from 'node:path';
import { FailError, UsageError } from '../../errors.js';
import { BUNDLE_FILES, type BundleState } from '../../bundle/state.js';
import { readBundleState } from '../../bundle/read-state.js';
import { dialableHosts, mainAddress, parseRegistryAddress, registryAddress } from '../../pki/hosts.js';
import type { NodeMirror } from '../../remote/mirror-plan.js';
import { isOnePemCertificate } from '../../pki/inspect.js';
import { parseChoice, parseDir, parseIntFlag, parsePort } from '../../options/values.js';
import { resolveLoginChoice, type LoginChoice } from '../node-login.js';
import type { SshOptions } from '../../remote/ssh-runner.js';
import { dedupeTargets, parseInventory, parseTarget, type SshTarget } from '../../remote/ssh-target.js';
import { RUNTIMES, type NodeMode, type Runtime, type TrustAction, type TrustRequest } from '../../remote/trust-script.js';

/** Flags as commander hands them over (trust-node and untrust-node share most). */
export interface TrustNodeFlags {
  dir: string;
  registry?: string[];
  inventory?: string[];
  identity?: string[];
  sshOption?: string[];
  sshPort?: string;
  acceptNewHostKeys?: boolean;
  concurrency: string;
  timeout: string;
  dryRun?: boolean;
  json?: boolean;
  mode?: string;
  runtime?: string[];
  systemTrust?: boolean;
  hostsEntry?: boolean;
  hostsIp?: string;
  check?: boolean;
  login?: string;
  passwordStdin?: boolean;
  loginGenerate?: boolean;
  restartK3s?: boolean;
  /** --mirrors / --no-mirrors; undefined: on when the bundle has mirrors. */
  mirrors?: boolean;
}

export interface ResolvedTrust {
  targets: SshTarget[];
  request: TrustRequest;
  ssh: SshOptions;
  concurrency: number;
  /** --login USER or --login-generate: obtained after resolving (stdin, a prompt, the bundle). */
  login: LoginChoice | null;
}

export interface ResolveDeps {
  readFile: (path: string) => string;
  readBundle?: (dir: string) => BundleState;
  now: Date;
}

export function resolveTrustOptions(action: TrustAction, hosts: string[], flags: TrustNodeFlags, deps: ResolveDeps): ResolvedTrust {
  parseDir(flags.dir);
  const login = resolveLoginChoice({ user: flags.login, passwordStdin: flags.passwordStdin, generate: flags.loginGenerate }, { user: '--login', generate: '--login-generate' });
  if (login && action === 'check') throw new UsageError('--check changes nothing, so it takes no --login or --login-generate');
  const targets = resolveTargets(hosts, flags.inventory ?? [], deps.readFile);
  const ssh = resolveSsh(flags);
  const concurrency = parseIntFlag(flags.concurrency, '--concurrency', 1, 1024);
  const explicitMode = flags.mode === undefined ? undefined : parseChoice<NodeMode>(flags.mode, '--mode', ['certs', 'insecure']);
  // --registry with an explicit insecure mode (or untrust) needs nothing from a bundle.
  const needsBundle = !flags.registry?.length || (action !== 'untrust' && explicitMode !== 'insecure') || (Boolean(flags.hostsEntry) && flags.hostsIp === undefined) || (action !== 'untrust' && flags.mirrors === true);
  const state = needsBundle ? (deps.readBundle ?? readBundleState)(flags.dir) : null;
  const mode: NodeMode = explicitMode ?? (state?.mode === 'insecure' ? 'insecure' : 'certs');

  const addresses = flags.registry?.length ? flags.registry.map((r) => parseRegistryAddress(r).address) : bundleAddresses(state!);
  const caFile = join(flags.dir, BUNDLE_FILES.caCert);
  const caPem = mode === 'certs' && action !== 'untrust' ? readCa(caFile, deps.readFile) : null;
  if (flags.systemTrust && mode === 'insecure') throw new UsageError('--system-trust adds a CA, and insecure mode has none');
  if (login && mode === 'insecure') throw new UsageError(`${login.kind === 'user' ? '--login' : '--login-generate'}: an insecure registry has no users, so there is no login to give nodes`);

  return {
    targets,
    ssh,
    concurrency,
    login,
    request: {
      action,
      mode,
      addresses: [...new Set(addresses)],
      caPem,
      runtimes: resolveRuntimes(flags.runtime),
      systemTrust: Boolean(flags.systemTrust),
      hostsEntryIp: flags.hostsEntry ? resolveHostsIp(flags.hostsIp, state) : null,
      mirrors: resolveMirrors(action === 'untrust' && flags.mirrors !== false ? undefined : flags.mirrors, state, mode),
      restartK3s: Boolean(flags.restartK3s),
      now: deps.now,
    },
  };
}

function resolveTargets(hosts: string[], inventories: string[], readFile: (p: string) => string): SshTarget[] {
  const fromFiles = inventories.flatMap((file) => {
    let text: string;
    try {
      text = readFile(file);
    } catch (err) {
      throw new UsageError(`--inventory ${file}: ${(err as Error).message}`);
    }
    return parseInventory(text, file);
  });
  const targets = dedupeTargets([...hosts.map((h) => parseTarget(h)), ...fromFiles]);
  if (targets.length === 0) throw new UsageError('name at least one host ([user@]host or ssh://[user@]host[:port]), or pass --inventory FILE');
  return targets;
}

function resolveSsh(flags: TrustNodeFlags): SshOptions {
  const options = (flags.sshOption ?? []).map((o) => {
    if (!/^[A-Za-z][A-Za-z0-9]*=\S.*$/.test(o)) throw new UsageError(`--ssh-option ${JSON.stringify(o)} must be KEY=VALUE, as in ssh -o`);
    if (/^stricthostkeychecking=(no|off)$/i.test(o)) {
      throw new UsageError('--ssh-option StrictHostKeyChecking=no is refused: the CA goes only to hosts whose key is known. Use --accept-new-host-keys to trust keys of new hosts');
    }
    return o;
  });
  const timeoutSec = parseIntFlag(flags.timeout, '--timeout', 1, 86_400);
  return {
    identities: flags.identity ?? [],
    options,
    ...(flags.sshPort !== undefined && { port: parsePort(flags.sshPort, '--ssh-port') }),
    acceptNewHostKeys: Boolean(flags.acceptNewHostKeys),
    // An unreachable host should fail in seconds, not hold a slot for the whole --timeout.
    connectTimeoutSec: Math.min(10, timeoutSec),
    timeoutMs: timeoutSec * 1000,
  };
}

export function bundleAddresses(state: BundleState): string[] {
  const hosts = dialableHosts(state.hosts);
  if (hosts.length === 0) throw new FailError('the bundle names only wildcard hosts, which no client dials; pass --registry HOST:PORT');
  return hosts.map((h) => registryAddress(h, state.port));
}

function readCa(file: string, readFile: (p: string) => string): string {
  let pem: string;
  try {
    pem = readFile(file);
  } catch (err) {
    throw new FailError(`certs mode needs the bundle's CA, and ${file} cannot be read: ${(err as Error).message}`);
  }
  if (!isOnePemCertificate(pem)) {
    throw new FailError(`${file} is not one PEM certificate`);
  }
  return pem;
}

function resolveRuntimes(values: string[] | undefined): Runtime[] | 'auto' {
  const names = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (names.length === 0) return 'auto';
  if (names.includes('all')) return [...RUNTIMES];
  return [...new Set(names.map((n) => parseChoice<Runtime>(n, '--runtime', RUNTIMES)))];
}

function resolveHostsIp(flag: string | undefined, state: BundleState | null): string {
  if (flag !== undefined) {
    const ip = flag.trim().replace(/^\[(.*)\]$/, '$1');
    if (isIP(ip) === 0) throw new UsageError(`--hosts-ip ${JSON.stringify(flag)} must be an IP address`);
    return ip;
  }
  const ip = state?.hosts.map((h) => h.replace(/^\[(.*)\]$/, '$1')).find((h) => isIP(h) !== 0);
  if (!ip) throw new UsageError('--hosts-entry needs an IP: the bundle has no IP host, so pass --hosts-ip IP');
  return ip;
}

/**
 * --mirrors (default: on when the bundle has mirrors). A mirror answers at the bundle's main
 * address on its own port, with the bundle's certificate, so it needs certs mode. untrust-node
 * takes the same list, so that it undoes what a trust with mirrors recorded; it has only
 * --no-mirrors, which commander turns into `mirrors: true` when absent: "whatever the bundle has".
 */
function resolveMirrors(flag: boolean | undefined, state: BundleState | null, mode: NodeMode): NodeMirror[] {
  const records = state?.mirrors ?? [];
  if (flag === true && records.length === 0) throw new UsageError('--mirrors: the bundle has no mirrors (add one with registry-setup mirror add UPSTREAM)');
  if (flag === false || records.length === 0) return [];
  if (mode !== 'certs') {
    if (flag === true) throw new UsageError('--mirrors: a mirror serves the bundle\'s certificate, so it needs --mode certs');
    return [];
  }
  return records.map((m) => ({ upstream: m.upstream, address: mainAddress(state!.hosts, m.port) }));
}
