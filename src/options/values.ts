import { UsageError } from '../errors.js';
import { parseHost } from '../pki/hosts.js';
import type { KeyType } from '../pki/keys.js';
import { RENEWAL_WINDOW_DAYS } from '../pki/renewal.js';

/**
 * One validator per kind of value. A flag, a prompt's answer and a field of
 * registry-setup.yml all go through the same one, so the file can never hold what
 * the flag would refuse. Each throws a UsageError that names `label` (the flag);
 * bundle/state.ts turns it into a failure naming the file and key instead.
 */

const shown = (v: unknown) => JSON.stringify(typeof v === 'string' ? v : v === undefined ? null : v);

export function wholeNumber(value: unknown, label: string, min: number, max: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${label} ${shown(value)} must be a whole number from ${min} to ${max}`);
  return n;
}

export const parseIntFlag = wholeNumber;
export const parsePort = (value: unknown, label = '--port') => wholeNumber(value, label, 1, 65535);
/** 3650 days: longer than any client should trust one server key. */
export const parseDays = (value: unknown, label = '--days') => wholeNumber(value, label, 1, 3650);
export const parseCaDays = (value: unknown, label = '--ca-days') => wholeNumber(value, label, 1, 36500);
/** Cost 14 already takes about a second per request; 4 is bcrypt's floor. */
export const parseBcryptCost = (value: unknown, label = '--bcrypt-cost') => wholeNumber(value, label, 4, 14);

export function parseChoice<T extends string>(value: unknown, label: string, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new UsageError(`${label} ${shown(value)} is not one of: ${choices.join(', ')}`);
  }
  return value as T;
}

export const KEY_TYPES = ['ecdsa', 'rsa'] as const satisfies readonly KeyType[];
export const parseKeyType = (value: unknown, label = '--key-type'): KeyType => parseChoice(value, label, KEY_TYPES);

export function parseKeySize(value: unknown, label: string): number {
  const n = wholeNumber(value, label, 0, 1 << 20);
  if (![2048, 3072, 4096].includes(n)) throw new UsageError(`${label} ${n}: RSA keys of 2048, 3072 or 4096 bits are supported`);
  return n;
}

/** An address clients dial, as a string in canonical form. */
export function parseHostValue(value: unknown, label = '--host'): string {
  if (typeof value !== 'string') throw new UsageError(`${label} ${shown(value)} is neither an IP address nor a DNS name`);
  return parseHost(value, label).value;
}

/** A directory argument: '' would silently mean the current directory. */
export function parseDir(value: unknown, label = '--dir'): string {
  if (typeof value !== 'string' || value.trim() === '' || value.includes('\0')) {
    throw new UsageError(`${label} ${shown(value)} must name a directory (use . for this one)`);
  }
  return value;
}

/** --within, shared by status and renew: 0 means only an expired certificate is due. */
export function parseWithin(value: unknown): number {
  return value === undefined ? RENEWAL_WINDOW_DAYS : wholeNumber(value, '--within', 0, 3650);
}

/** Comma- or space-separated lists, as people type them at a prompt. */
export function splitList(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** --ca-cert/--ca-key, for init and renew: both or neither. */
export function parseCaPair(flags: { caCert?: string; caKey?: string }): { certFile: string; keyFile: string } | undefined {
  if (Boolean(flags.caCert) !== Boolean(flags.caKey)) throw new UsageError('--ca-cert and --ca-key go together: pass both, or neither');
  return flags.caCert && flags.caKey ? { certFile: flags.caCert, keyFile: flags.caKey } : undefined;
}

/** The token service name: it goes into config.yml, auth_config.yml and every token, so printable ASCII, no quotes. */
export function parseTokenService(value: unknown, label = 'tokenService'): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9 ._:@-]{0,99}$/.test(value)) {
    throw new UsageError(`${label} ${shown(value)} must be 1-100 letters, digits, spaces or . _ : @ -`);
  }
  return value;
}

/** A validator as a prompt's answer check: true (or `extra`, a further check's verdict) when it passes, else its message. */
export function validateWith(check: () => unknown, extra: true | string = true): true | string {
  try {
    check();
    return extra;
  } catch (err) {
    return (err as Error).message;
  }
}
