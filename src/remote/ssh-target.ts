import { isIP } from 'node:net';
import { UsageError } from '../errors.js';
import { parsePort } from '../options/values.js';

/** One node as ssh reaches it. `user` and `port` stay unset when ~/.ssh/config should decide. */
export interface SshTarget {
  /** How the person wrote it; used to name the host in every message. */
  label: string;
  user?: string;
  host: string;
  port?: number;
}

// ssh's own limits are looser, but a leading '-' would read as an option and
// whitespace or quotes never belong in a user or host name.
const USER = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/;
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** `[user@]host`, `[user@][v6]`, or `ssh://[user@]host[:port]` (IPv6 in brackets there). */
export function parseTarget(raw: string, where = 'host'): SshTarget {
  const label = raw.trim();
  const bad = (why: string): UsageError => new UsageError(`${where} ${JSON.stringify(raw)}: ${why}`);
  if (label === '') throw bad('is empty');
  const url = label.startsWith('ssh://');
  const rest = url ? label.slice('ssh://'.length).replace(/\/$/, '') : label;
  if (url && rest.includes('/')) throw bad('an ssh:// target has no path');
  const at = rest.lastIndexOf('@');
  const user = at >= 0 ? rest.slice(0, at) : undefined;
  const hostPort = at >= 0 ? rest.slice(at + 1) : rest;
  if (user !== undefined && !USER.test(user)) throw bad('the user name is not valid');

  let host = hostPort;
  let port: number | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(hostPort);
  if (bracketed) {
    host = bracketed[1]!;
    if (isIP(host) !== 6) throw bad('brackets must hold an IPv6 address');
    if (bracketed[2] !== undefined) {
      if (!url) throw bad('a port needs the ssh://host:port form, or --ssh-port');
      port = parsePort(bracketed[2], `${where} ${JSON.stringify(raw)} port`);
    }
  } else if (isIP(hostPort) === 6) {
    if (url) throw bad('write an IPv6 address in brackets: ssh://user@[addr]:port');
  } else if (hostPort.includes(':')) {
    if (!url) throw bad('a port needs the ssh://host:port form, or --ssh-port');
    const i = hostPort.lastIndexOf(':');
    host = hostPort.slice(0, i);
    port = parsePort(hostPort.slice(i + 1), `${where} ${JSON.stringify(raw)} port`);
  }
  if (isIP(host) === 0 && !NAME.test(host)) throw bad('is not a host name or IP address');
  return { label, host, ...(user !== undefined && { user }), ...(port !== undefined && { port }) };
}

/** An inventory: one target per line; `#` starts a comment; blank lines are skipped. */
export function parseInventory(text: string, file: string): SshTarget[] {
  return text.split(/\r?\n/).flatMap((line, i) => {
    const entry = line.replace(/(^|\s)#.*$/, '').trim();
    return entry === '' ? [] : [parseTarget(entry, `${file}:${i + 1}:`)];
  });
}

/** The same node named twice would get two scripts racing on one machine: keep the first. */
export function dedupeTargets(targets: readonly SshTarget[]): SshTarget[] {
  const seen = new Set<string>();
  return targets.filter((t) => {
    const key = `${t.user ?? ''}@${t.host.toLowerCase()}:${t.port ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
