import { isIP } from 'node:net';
import { UsageError } from '../errors.js';

export type Host = { kind: 'ip'; value: string; version: 4 | 6 } | { kind: 'dns'; value: string };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Classifies one --host value: an IP becomes an IP SAN, a name a DNS SAN. */
export function parseHost(raw: string, flag = '--host'): Host {
  const value = raw.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const version = isIP(value);
  if (version === 4 || version === 6) return { kind: 'ip', value, version };
  const labels = value.split('.');
  if (labels[0] === '*' && labels.length < 3) {
    // clients (OpenSSL among them) refuse a wildcard directly under a top-level name
    throw new UsageError(`${flag} ${JSON.stringify(raw)}: a wildcard needs two labels after '*.' (like *.apps.example.com)`);
  }
  const wildcardOk = labels[0] === '*';
  const rest = wildcardOk ? labels.slice(1) : labels;
  const looksNumeric = /^[0-9.]+$/.test(value);
  if (value.length === 0 || value.length > 253 || looksNumeric || !rest.every((l) => LABEL.test(l))) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)} is neither an IP address nor a valid DNS name`);
  }
  return { kind: 'dns', value };
}

/** host:port as image references spell it; :443 is implied, so it is dropped. */
export function registryAddress(host: string, port: number): string {
  const h = isIP(host) === 6 ? `[${host}]` : host;
  return port === 443 ? h : `${h}:${port}`;
}

/** Wildcard names cannot be dialled, so they never become a registry address. */
export function dialableHosts(hosts: readonly string[]): string[] {
  return hosts.filter((h) => !h.startsWith('*.'));
}
