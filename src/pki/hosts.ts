import { isIPv4, isIPv6 } from 'node:net';
import { UsageError } from '../errors.js';

/**
 * net.isIP, without running Node's IPv6 pattern on text that has no colon
 * (no IPv6 address lacks one): that pattern costs about 20 ms of CPU the first
 * times it runs, more than init spends on both P-256 keys and certificates.
 */
export function ipVersion(text: string): 0 | 4 | 6 {
  if (text.includes(':')) return isIPv6(text) ? 6 : 0;
  return isIPv4(text) ? 4 : 0;
}

export type Host = { kind: 'ip'; value: string; version: 4 | 6 } | { kind: 'dns'; value: string };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Classifies one --host value: an IP becomes an IP SAN, a name a DNS SAN. Only hosts a client can dial pass. */
export function parseHost(raw: string, flag = '--host'): Host {
  const value = raw.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (value.includes('%') && ipVersion(value) === 6) {
    // An IP SAN holds only the 16 address bytes; "%eth0" names an interface of one machine.
    const zone = value.slice(value.indexOf('%'));
    throw new UsageError(`${flag} ${JSON.stringify(raw)}: the zone ID ${zone} only means something on one machine and cannot be in a certificate; use an address without one`);
  }
  const version = ipVersion(value);
  if (version === 4 || version === 6) {
    const why = undialable(ipBytes(value));
    if (why) throw new UsageError(`${flag} ${JSON.stringify(raw)}: ${value} is ${why}`);
    return { kind: 'ip', value, version };
  }
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

/** Why no client can connect to this address, or null when one can. Works on the SAN bytes, so every spelling counts. */
function undialable(bytes: Uint8Array): string | null {
  const mapped = bytes.length === 16 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  const v4 = bytes.length === 4 ? bytes : mapped ? bytes.subarray(12) : null;
  if (v4) {
    const [a = 0, b = 0, c = 0, d = 0] = v4;
    if (a === 0 && b === 0 && c === 0 && d === 0) return "'any address', which a server listens on but no client can dial";
    if (a === 255 && b === 255 && c === 255 && d === 255) return 'the broadcast address, which no client can dial';
    if (a >= 224 && a <= 239) return 'a multicast address (224.0.0.0/4), which no TCP client can dial';
    return null;
  }
  if (bytes.every((b) => b === 0)) return "'any address' (::), which a server listens on but no client can dial";
  if (bytes[0] === 0xff) return 'a multicast address (ff00::/8), which no TCP client can dial';
  return null;
}

/** The bytes an IP SAN carries: 4 for IPv4, 16 for IPv6 (an IPv4-mapped address stays 16). */
export function ipBytes(ip: string): Uint8Array {
  const version = ipVersion(ip);
  if (version === 4) return Uint8Array.from(ip.split('.').map(Number));
  if (version !== 6) throw new Error(`not an IP address: ${ip}`);
  // The URL parser rewrites every IPv6 spelling (embedded IPv4 too) as hex groups around at most one "::".
  const hex = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const [head = '', tail] = hex.split('::');
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const front = groups(head);
  const back = groups(tail);
  const all = tail === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  return Uint8Array.from(all.flatMap((g) => [g >> 8, g & 0xff]));
}

/** host:port as image references spell it; :443 is implied, so it is dropped. */
export function registryAddress(host: string, port: number): string {
  const h = ipVersion(host) === 6 ? `[${host}]` : host;
  return port === 443 ? h : `${h}:${port}`;
}

/** Wildcard names cannot be dialled, so they never become a registry address. */
export function dialableHosts(hosts: readonly string[]): string[] {
  return hosts.filter((h) => !h.startsWith('*.'));
}

/** The first address a client dials: what status probes unless told otherwise. */
export function mainAddress(hosts: readonly string[], port: number): string {
  const host = dialableHosts(hosts)[0] ?? hosts[0];
  if (host === undefined) throw new Error('a bundle needs at least one host');
  return registryAddress(host, port);
}

/**
 * The one grammar for a registry address: "[v6]:port", "[v6]", a bare IPv6
 * (which cannot carry a port: "fd00::5000" is an address), "host:port", "host".
 * Null when the text has none of these shapes.
 */
function splitAddress(text: string): { hostText: string; portText: string | undefined; bracketed: boolean } | null {
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) return { hostText: bracketed[1]!, portText: bracketed[2], bracketed: true };
  // two colons or more: an unbracketed IPv6 (every IPv6 has two), never host:port
  if (/^[^:]*:[^:]*:/.test(text)) return { hostText: text, portText: undefined, bracketed: false };
  const plain = /^([^:]*)(?::(.*))?$/.exec(text);
  return plain ? { hostText: plain[1]!, portText: plain[2], bracketed: false } : null;
}

/**
 * --registry and every other "where clients dial" value: `host:port`,
 * `[v6]:port`, or a bare host or IPv6 (port 443, which image references omit).
 * `address` is the spelling image references and certs.d directories use.
 */
export function parseRegistryAddress(raw: string, flag = '--registry'): { host: string; port: number; address: string } {
  const text = raw.trim();
  const parts = splitAddress(text);
  const shape = `${flag} ${JSON.stringify(raw)} must be HOST:PORT (IPv6 as [ADDR]:PORT)`;
  if (!parts || parts.hostText === '') throw new UsageError(shape);
  const host = parseHost(parts.hostText, flag);
  if (parts.bracketed && !(host.kind === 'ip' && host.version === 6)) throw new UsageError(`${shape}; brackets are only for IPv6 addresses`);
  if (host.value.startsWith('*.')) throw new UsageError(`${flag} ${JSON.stringify(raw)}: a wildcard name cannot be dialled; name one host under it`);
  let port = 443;
  if (parts.portText !== undefined) {
    port = /^[0-9]{1,5}$/.test(parts.portText) ? Number(parts.portText) : NaN;
    if (!(port >= 1 && port <= 65535)) throw new UsageError(`${flag} ${JSON.stringify(raw)}: the port must be a whole number from 1 to 65535`);
  }
  return { host: host.value, port, address: registryAddress(host.value, port) };
}

/** The host part of an address parseRegistryAddress (or registryAddress) spelled: "[fd00::5]:5000" → "fd00::5". */
export function hostOfAddress(address: string): string {
  const parts = splitAddress(address.trim());
  if (!parts) throw new Error(`not a registry address: ${JSON.stringify(address)}`);
  return parts.hostText.toLowerCase();
}
