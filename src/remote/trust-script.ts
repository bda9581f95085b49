import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { hostOfAddress, parseRegistryAddress } from '../pki/hosts.js';
import { compactStamp } from '../pki/dates.js';
import { isOnePemCertificate } from '../pki/inspect.js';
import { loginLines } from './login-script.js';
import { containerdMirrorFile, dockerCannotUse, dockerMirrorEntries, podmanMirrorsFile, type NodeMirror } from './mirror-plan.js';
import { jsonAwkProgram, readScriptAsset } from './script-assets.js';
import { LINE, NODE, SH, VARS } from './script-contract.js';
import { shellCommand, shellQuote } from './shell-quote.js';

export const RUNTIMES = ['docker', 'containerd', 'podman'] as const;
export type Runtime = (typeof RUNTIMES)[number];
export type NodeMode = 'certs' | 'insecure';
export type TrustAction = 'trust' | 'untrust' | 'check';

export interface TrustRequest {
  action: TrustAction;
  mode: NodeMode;
  /** Registry addresses as image references spell them: host[:port], IPv6 in brackets. */
  addresses: string[];
  caPem: string | null;
  /** 'auto': whatever the node has, detected there. */
  runtimes: Runtime[] | 'auto';
  systemTrust: boolean;
  hostsEntryIp: string | null;
  /** --login / --login-generate: what every node pulls with (certs mode, trust only). */
  login?: NodeLogin | null;
  /** --mirrors: the bundle's pull-through caches (certs mode). untrust takes back their addresses too. */
  mirrors?: NodeMirror[];
  /** k3s/RKE2 read registries.yaml only at start: restart them only when asked. */
  restartK3s?: boolean;
  now: Date;
}

export interface NodeLogin {
  user: string;
  password: string;
}

/** One file a runtime needs for one address: the expected end state on every node. */
export interface RemoteFile {
  runtime: Runtime;
  address: string;
  path: string;
  contents: string;
}

export interface TrustPlan extends TrustRequest {
  files: RemoteFile[];
  /** Entries for daemon.json's insecure-registries (docker, insecure mode). */
  insecure: string[];
  /** The mirrors' own addresses: trusted like the registry's, each with its own record. */
  mirrorAddresses: string[];
  /** Entries for daemon.json's registry-mirrors (docker, the docker.io mirror only). */
  dockerMirrors: string[];
  /** Names from the addresses that --hosts-entry may add to /etc/hosts. */
  hostNames: string[];
  systemTrustFile: string | null;
  /** Suffix for backups made on the node. */
  stamp: string;
}

// Checked again here, although options already validated them: these strings end up in
// paths, TOML and JSON on the node, so only an address already in the one canonical
// spelling (what parseRegistryAddress gives) may pass.
function isCanonicalAddress(a: string): boolean {
  try {
    return parseRegistryAddress(a).address === a;
  } catch {
    return false;
  }
}

export function planTrust(req: TrustRequest): TrustPlan {
  const mirrors = req.mirrors ?? [];
  const mirrorAddresses = mirrors.map((m) => m.address);
  for (const a of [...req.addresses, ...mirrorAddresses]) if (!isCanonicalAddress(a)) throw new Error(`not a registry address: ${JSON.stringify(a)}`);
  // An upstream is a host[:port] too; it becomes a path and a TOML string on the node.
  for (const m of mirrors) if (!/^[a-z0-9.-]+(:\d+)?$/.test(m.upstream)) throw new Error(`not an upstream name: ${JSON.stringify(m.upstream)}`);
  if (mirrors.length > 0 && req.mode !== 'certs') throw new Error('mirrors go only with certs mode');
  const certs = req.mode === 'certs';
  if (certs && req.action !== 'untrust' && !(req.caPem && isOnePemCertificate(req.caPem))) {
    throw new Error('certs mode needs the CA as one PEM certificate');
  }
  if (req.login && (req.action !== 'trust' || !certs)) throw new Error('a login goes only with trust in certs mode');
  const ca = req.caPem ?? '';
  const runtimes = req.runtimes === 'auto' ? [...RUNTIMES] : req.runtimes;
  const files: RemoteFile[] = [...req.addresses, ...mirrorAddresses].flatMap((address) =>
    runtimes.flatMap((runtime) => filesFor(runtime, address, certs, ca).map(([path, contents]) => ({ runtime, address, path, contents }))),
  );
  // Each runtime's mirror settings, recorded with the mirror they name (podman's one file with the first).
  for (const m of mirrors) {
    if (runtimes.includes('containerd')) files.push(remoteFile('containerd', m.address, containerdMirrorFile(m)));
  }
  if (mirrors.length > 0 && runtimes.includes('podman')) files.push(remoteFile('podman', mirrors[0]!.address, podmanMirrorsFile(mirrors)));
  return {
    ...req,
    files,
    insecure: !certs && runtimes.includes('docker') ? req.addresses : [],
    mirrorAddresses,
    dockerMirrors: runtimes.includes('docker') ? dockerMirrorEntries(mirrors) : [],
    hostNames: req.hostsEntryIp ? [...new Set(req.addresses.map(hostOfAddress).filter((h) => isIP(h) === 0))] : [],
    systemTrustFile: certs && req.systemTrust ? `registry-setup-${fingerprint(ca).slice(0, 16)}.crt` : null,
    // Milliseconds: two runs within one second must not share a backup name.
    stamp: compactStamp(req.now),
  };
}

function filesFor(runtime: Runtime, a: string, certs: boolean, ca: string): Array<[string, string]> {
  const written = '# Written by registry-setup trust-node.\n';
  if (runtime === 'docker') return certs ? [[`${NODE.dockerCerts}/${a}/ca.crt`, ca]] : [];
  if (runtime === 'podman') {
    return certs
      ? [[`${NODE.podmanCerts}/${a}/ca.crt`, ca]]
      : [[`${NODE.podmanRegistries}/registry-setup-${a}.conf`, `${written}[[registry]]\nlocation = "${a}"\ninsecure = true\n`]];
  }
  const dir = `${NODE.containerdCerts}/${a}`;
  const scheme = certs ? 'https' : 'http';
  const trust = certs ? `ca = "${dir}/ca.crt"` : 'skip_verify = true';
  const toml = `${written}server = "${scheme}://${a}"\n\n[host."${scheme}://${a}"]\n  capabilities = ["pull", "resolve", "push"]\n  ${trust}\n`;
  return certs ? [[`${dir}/ca.crt`, ca], [`${dir}/hosts.toml`, toml]] : [[`${dir}/hosts.toml`, toml]];
}

function remoteFile(runtime: Runtime, address: string, [path, contents]: [string, string]): RemoteFile {
  return { runtime, address, path, contents };
}

function fingerprint(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return createHash('sha256').update(der).digest('hex');
}

/**
 * Only for tests, which run the real script unprivileged: `root` is a directory that stands in
 * for the node's `/` (RS_ROOT), and `path` replaces the script's PATH so that stubs answer for
 * docker, systemctl, pidof and the rest, and a unit test can never reach the machine's own dockerd.
 * The CLI passes neither, and then the script reads `RS_ROOT=` and the PATH below.
 */
export interface RenderOptions {
  root?: string;
  path?: string;
  /** --dry-run: the script as it would go, with the credential replaced by a placeholder. */
  redact?: boolean;
}

/**
 * One POSIX sh script, the same for every node: library, quoted data, then the calls.
 * Calls name node paths as the node spells them; the library adds $RS_ROOT only where it
 * touches the file system, so records and `@@rs` lines always show the node's real paths.
 */
export function renderTrustScript(plan: TrustPlan, opts: RenderOptions = {}): string {
  const q = shellQuote;
  if (opts.root !== undefined && !/^\/.*[^/]$/.test(opts.root)) throw new Error(`root must be an absolute path without a final slash: ${opts.root}`);
  const body: string[] = [];
  const check = plan.action === 'check';
  const runtimeSetup = plan.runtimes === 'auto'
    ? SH.detect
    : `${VARS.runtimes}=${q(` ${plan.runtimes.join(' ')} `)}; ${SH.say} "${LINE.runtimes}$${VARS.runtimes}"`;
  const fileCall = check ? SH.check : SH.put;
  const contents = (f: RemoteFile): string => (f.contents === plan.caPem ? '"$RS_CA"' : q(f.contents));

  if (plan.action === 'untrust') {
    body.push(`${SH.undo} ${shellCommand([...plan.addresses, ...plan.mirrorAddresses])}`);
  } else {
    body.push(runtimeSetup);
    for (const address of [...plan.addresses, ...plan.mirrorAddresses]) {
      if (plan.action === 'trust') body.push(`${SH.open} ${q(address)}`);
      for (const runtime of RUNTIMES) {
        const files = plan.files.filter((f) => f.address === address && f.runtime === runtime);
        if (files.length > 0) body.push(`if ${SH.runtimeOn} ${runtime}; then`, ...files.map((f) => `  ${fileCall} ${q(f.path)} ${contents(f)}`), 'fi');
      }
      if (plan.login && plan.addresses.includes(address)) body.push(`${SH.login} ${q(address)} "$RS_CA"`);
      body.push(...dockerMirrorCalls(plan, address));
      const mirror = plan.mirrors?.find((m) => m.address === address);
      // k3s and RKE2 whichever --runtime says, as --login does: their containerd is their own.
      if (mirror && plan.action === 'trust') body.push(`${SH.k3sMirror} ${q(mirror.upstream)} ${q(address)} "$RS_CA"`);
    }
    if (plan.login || (plan.action === 'trust' && plan.mirrorAddresses.length > 0)) body.push(SH.k3sRestart);
    if (plan.files.some((f) => f.runtime === 'containerd')) body.push(`if ${SH.runtimeOn} containerd; then ${SH.containerdPath}; fi`);
    if (plan.insecure.length > 0) {
      body.push(`if ${SH.runtimeOn} docker; then ${check ? SH.insecureCheck : SH.insecureAdd} ${shellCommand(plan.insecure)}; fi`);
    }
    // Extras belong to no single address: they are recorded with the first one.
    if (plan.action === 'trust' && (plan.systemTrustFile || plan.hostNames.length > 0)) body.push(`${SH.open} ${q(plan.addresses[0]!)}`);
    if (plan.systemTrustFile) body.push(`${check ? SH.systrustCheck : SH.systrust} ${q(plan.systemTrustFile)} "$RS_CA"`);
    for (const name of plan.hostNames) {
      body.push(check ? `${SH.hostsCheck} ${q(name)}` : `${SH.hostsAdd} ${q(name)} ${q(plan.hostsEntryIp!)}`);
    }
  }

  const daemon = plan.action === 'untrust' || plan.insecure.length > 0 || plan.dockerMirrors.length > 0;
  // untrust cannot know whether a login was given, so it can always take one back.
  const login = plan.action === 'untrust' || Boolean(plan.login) || (plan.action === 'trust' && plan.mirrorAddresses.length > 0);
  return [
    `# registry-setup ${plan.action === 'untrust' ? 'untrust-node' : `trust-node${check ? ' --check' : ''}`}` +
      ` (${plan.mode} mode): ${plan.addresses.join(' ')}`,
    `# Runs as root from stdin (sh -s); what it changes is recorded under ${NODE.records}/.`,
    // Braces: sh parses the whole script before running any of it, and nothing inside can read the rest of stdin.
    '{',
    opts.path !== undefined ? `PATH=${q(opts.path)}` : 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}',
    'LC_ALL=C',
    'export PATH LC_ALL',
    'set -euf',
    'umask 022',
    // Always assigned, so nothing in the node's environment can move the script's files.
    `${VARS.root}=${opts.root !== undefined ? q(opts.root) : ''}`,
    `${VARS.stamp}=${q(plan.stamp)}`,
    ...(plan.caPem && plan.action !== 'untrust' ? [`RS_CA=${q(plan.caPem)}`] : []),
    ...(daemon ? [`${VARS.awk}=${q(jsonAwkProgram('daemon-json.awk'))}`] : []),
    readScriptAsset('trust-lib.sh'),
    ...(login ? loginLines(plan, opts.redact ?? false) : []),
    ...(daemon ? [readScriptAsset('daemon-lib.sh')] : []),
    ...(login ? [readScriptAsset('login-lib.sh')] : []),
    ...(plan.action === 'untrust' ? [readScriptAsset('undo-lib.sh')] : []),
    `${SH.say} ${LINE.begin}`,
    ...body,
    `${SH.say} ${LINE.end}`,
    '} </dev/null',
    '',
  ].join('\n');
}

/** dockerd's part of one mirror: registry-mirrors for docker.io's, a plain word for any other. */
function dockerMirrorCalls(plan: TrustPlan, address: string): string[] {
  const m = plan.mirrors?.find((x) => x.address === address);
  if (!m || !(plan.runtimes === 'auto' || plan.runtimes.includes('docker'))) return [];
  const entry = `https://${address}`;
  if (plan.dockerMirrors.includes(entry)) return [`if ${SH.runtimeOn} docker; then ${plan.action === 'check' ? SH.mirrorsCheck : SH.mirrorsAdd} ${shellQuote(entry)}; fi`];
  return plan.action === 'trust' ? [`if ${SH.runtimeOn} docker; then ${SH.say} ${shellQuote(`${LINE.warn} ${dockerCannotUse(m)}`)}; fi`] : [];
}
