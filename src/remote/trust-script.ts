import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { compactStamp } from '../pki/dates.js';
import { isOnePemCertificate } from '../pki/inspect.js';
import { readScriptAsset } from './script-assets.js';
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
  now: Date;
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
  /** Names from the addresses that --hosts-entry may add to /etc/hosts. */
  hostNames: string[];
  systemTrustFile: string | null;
  /** Suffix for backups made on the node. */
  stamp: string;
}

// Checked again here, although options already validated them: these strings end up in
// paths, TOML and JSON on the node, so nothing but host[:port] characters may pass.
const ADDRESS = /^(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::[0-9]{1,5})?$/;

export function hostOf(address: string): string {
  return address.startsWith('[') ? address.slice(1, address.indexOf(']')) : address.replace(/:[0-9]+$/, '');
}

export function planTrust(req: TrustRequest): TrustPlan {
  for (const a of req.addresses) if (!ADDRESS.test(a)) throw new Error(`not a registry address: ${JSON.stringify(a)}`);
  const certs = req.mode === 'certs';
  if (certs && req.action !== 'untrust' && !(req.caPem && isOnePemCertificate(req.caPem))) {
    throw new Error('certs mode needs the CA as one PEM certificate');
  }
  const ca = req.caPem ?? '';
  const runtimes = req.runtimes === 'auto' ? [...RUNTIMES] : req.runtimes;
  const files = req.addresses.flatMap((address) =>
    runtimes.flatMap((runtime) => filesFor(runtime, address, certs, ca).map(([path, contents]) => ({ runtime, address, path, contents }))),
  );
  return {
    ...req,
    files,
    insecure: !certs && runtimes.includes('docker') ? req.addresses : [],
    hostNames: req.hostsEntryIp ? [...new Set(req.addresses.map(hostOf).filter((h) => isIP(h) === 0))] : [],
    systemTrustFile: certs && req.systemTrust ? `registry-setup-${fingerprint(ca).slice(0, 16)}.crt` : null,
    // Milliseconds: two runs within one second must not share a backup name.
    stamp: compactStamp(req.now),
  };
}

function filesFor(runtime: Runtime, a: string, certs: boolean, ca: string): Array<[string, string]> {
  const written = '# Written by registry-setup trust-node.\n';
  if (runtime === 'docker') return certs ? [[`/etc/docker/certs.d/${a}/ca.crt`, ca]] : [];
  if (runtime === 'podman') {
    return certs
      ? [[`/etc/containers/certs.d/${a}/ca.crt`, ca]]
      : [[`/etc/containers/registries.conf.d/registry-setup-${a}.conf`, `${written}[[registry]]\nlocation = "${a}"\ninsecure = true\n`]];
  }
  const dir = `/etc/containerd/certs.d/${a}`;
  const scheme = certs ? 'https' : 'http';
  const trust = certs ? `ca = "${dir}/ca.crt"` : 'skip_verify = true';
  const toml = `${written}server = "${scheme}://${a}"\n\n[host."${scheme}://${a}"]\n  capabilities = ["pull", "resolve", "push"]\n  ${trust}\n`;
  return certs ? [[`${dir}/ca.crt`, ca], [`${dir}/hosts.toml`, toml]] : [[`${dir}/hosts.toml`, toml]];
}

function fingerprint(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return createHash('sha256').update(der).digest('hex');
}

/** One POSIX sh script, the same for every node: library, quoted data, then the calls. */
export function renderTrustScript(plan: TrustPlan): string {
  const q = shellQuote;
  const body: string[] = [];
  const runtimeSetup = plan.runtimes === 'auto' ? 'rs_detect' : `RS_RT=${q(` ${plan.runtimes.join(' ')} `)}; rs_say "runtimes$RS_RT"`;
  const fileCall = plan.action === 'check' ? 'rs_check' : 'rs_put';
  const contents = (f: RemoteFile): string => (f.contents === plan.caPem ? '"$RS_CA"' : q(f.contents));

  if (plan.action === 'untrust') {
    body.push(`rs_undo ${shellCommand(plan.addresses)}`);
  } else {
    body.push(runtimeSetup);
    for (const address of plan.addresses) {
      if (plan.action === 'trust') body.push(`rs_open ${q(address)}`);
      for (const runtime of RUNTIMES) {
        const files = plan.files.filter((f) => f.address === address && f.runtime === runtime);
        if (files.length > 0) body.push(`if rs_rt ${runtime}; then`, ...files.map((f) => `  ${fileCall} ${q(f.path)} ${contents(f)}`), 'fi');
      }
    }
    if (plan.files.some((f) => f.runtime === 'containerd')) body.push('if rs_rt containerd; then rs_containerd_path; fi');
    if (plan.insecure.length > 0) {
      body.push(`if rs_rt docker; then rs_insecure_${plan.action === 'check' ? 'check' : 'add'} ${shellCommand(plan.insecure)}; fi`);
    }
    // Extras belong to no single address: they are recorded with the first one.
    if (plan.action === 'trust' && (plan.systemTrustFile || plan.hostNames.length > 0)) body.push(`rs_open ${q(plan.addresses[0]!)}`);
    if (plan.systemTrustFile) body.push(`rs_systrust${plan.action === 'check' ? '_check' : ''} ${q(plan.systemTrustFile)} "$RS_CA"`);
    for (const name of plan.hostNames) {
      body.push(plan.action === 'check' ? `rs_hosts_check ${q(name)}` : `rs_hosts_add ${q(name)} ${q(plan.hostsEntryIp!)}`);
    }
  }

  const daemon = plan.action === 'untrust' || plan.insecure.length > 0;
  return [
    `# registry-setup ${plan.action === 'untrust' ? 'untrust-node' : `trust-node${plan.action === 'check' ? ' --check' : ''}`}` +
      ` (${plan.mode} mode): ${plan.addresses.join(' ')}`,
    '# Runs as root from stdin (sh -s); what it changes is recorded under /var/lib/registry-setup/trust/.',
    // Braces: sh parses the whole script before running any of it, and nothing inside can read the rest of stdin.
    '{',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}',
    'LC_ALL=C',
    'export PATH LC_ALL',
    'set -euf',
    'umask 022',
    `RS_STAMP=${q(plan.stamp)}`,
    ...(plan.caPem && plan.action !== 'untrust' ? [`RS_CA=${q(plan.caPem)}`] : []),
    ...(daemon ? [`RS_AWK=${q(readScriptAsset('daemon-json.awk'))}`] : []),
    readScriptAsset('trust-lib.sh'),
    ...(daemon ? [readScriptAsset('daemon-lib.sh')] : []),
    ...(plan.action === 'untrust' ? [readScriptAsset('undo-lib.sh')] : []),
    'rs_say begin',
    ...body,
    'rs_say end',
    '} </dev/null',
    '',
  ].join('\n');
}
