import { UsageError } from '../errors.js';

export function parseIntFlag(value: string | number, flag: string, min: number, max: number): number {
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} ${JSON.stringify(String(value))} must be a whole number from ${min} to ${max}`);
  }
  return n;
}

export function parsePort(value: string | number, flag = '--port'): number {
  return parseIntFlag(value, flag, 1, 65535);
}

export function parseChoice<T extends string>(value: string, flag: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} ${JSON.stringify(value)} is not one of: ${choices.join(', ')}`);
  }
  return value as T;
}

export function parseKeySize(value: string | number, flag: string): number {
  const n = parseIntFlag(value, flag, 0, 1 << 20);
  if (![2048, 3072, 4096].includes(n)) throw new UsageError(`${flag} ${n}: RSA keys of 2048, 3072 or 4096 bits are supported`);
  return n;
}

/** Comma- or space-separated lists, as people type them at a prompt. */
export function splitList(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** Key sizes from --key-size/--ca-key-size; light, because init starts keys before loading anything heavy. */
export function resolveKeySizes(flags: { keySize?: string; caKeySize?: string }): { keySize: number; caKeySize: number } {
  return {
    keySize: flags.keySize === undefined ? 2048 : parseKeySize(flags.keySize, '--key-size'),
    caKeySize: flags.caKeySize === undefined ? 4096 : parseKeySize(flags.caKeySize, '--ca-key-size'),
  };
}

/** --ca-cert/--ca-key, for init and renew: both or neither. */
export function parseCaPair(flags: { caCert?: string; caKey?: string }): { certFile: string; keyFile: string } | undefined {
  if (Boolean(flags.caCert) !== Boolean(flags.caKey)) throw new UsageError('--ca-cert and --ca-key go together: pass both, or neither');
  return flags.caCert && flags.caKey ? { certFile: flags.caCert, keyFile: flags.caKey } : undefined;
}
