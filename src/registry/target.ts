import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FailError } from '../errors.js';
import { openBundleState } from '../bundle/open.js';
import { BUNDLE_FILES } from '../bundle/state.js';
import type { Output } from '../io/output.js';
import { ipVersion, mainAddress, parseRegistryAddress } from '../pki/hosts.js';
import type { ConnectionOptions } from '../options/connection.js';

/** Where requests go and what they trust: resolved once, before any request. */
export interface RegistryTarget {
  /** host:port as image references and the Docker config spell it (:443 omitted). */
  address: string;
  /** https://host:port or, for an insecure registry, http://host:port. */
  url: string;
  /** PEM roots that replace the system's (the bundle's CA, or --ca); null means the system roots, or plain HTTP. */
  caPem: string | null;
  /** In words, for x509 errors: what was trusted. */
  trust: string;
  insecure: boolean;
}

export function targetUrl(host: string, port: number, insecure: boolean): string {
  return `${insecure ? 'http' : 'https'}://${ipVersion(host) === 6 ? `[${host}]` : host}:${port}`;
}

function readCa(file: string, what: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FailError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new FailError(`${what} ${file} holds no PEM certificate`);
  return pem;
}

/**
 * The bundle's main address trusted with its ca/ca.crt alone; or --registry with
 * --ca, --insecure, the bundle's CA when --dir was given too, or the system roots.
 */
export function resolveTarget(opts: ConnectionOptions, out: Pick<Output, 'warn'>): RegistryTarget {
  if (opts.registry && (opts.ca || opts.insecure || !opts.dirGiven)) {
    const { host, port, address } = parseRegistryAddress(opts.registry);
    if (opts.insecure) return { address, url: targetUrl(host, port, true), caPem: null, trust: 'nothing (plain HTTP)', insecure: true };
    const caPem = opts.ca ? readCa(opts.ca, '--ca') : null;
    return { address, url: targetUrl(host, port, false), caPem, trust: opts.ca ? `--ca ${opts.ca}` : 'the system roots', insecure: false };
  }
  const { dir, state } = openBundleState(opts.dir, out);
  const { host, port, address } = parseRegistryAddress(opts.registry ?? mainAddress(state.hosts, state.port));
  if (state.mode === 'insecure') return { address, url: targetUrl(host, port, true), caPem: null, trust: 'nothing (plain HTTP)', insecure: true };
  const caFile = join(dir, BUNDLE_FILES.caCert);
  return { address, url: targetUrl(host, port, false), caPem: readCa(caFile, 'the bundle CA'), trust: caFile, insecure: false };
}
