import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { FailError, UsageError } from '../errors.js';
import {
  parseBcryptCost, parseCaDays, parseChoice, parseDays, parseHostValue, parseKeySize, parseKeyType, parsePort, parseTokenService,
} from '../options/values.js';
import { parseMirrorRecords } from '../mirrors/upstreams.js';
import { STORAGE_KINDS, parseReplicas, parseS3Record } from '../storage/s3-options.js';
import { AUTH_KINDS, BUNDLE_FILES, MODES, type BundleState } from './state.js';

/**
 * Every field is checked with the validator of the flag that set it: a record edited
 * by hand, or damaged, fails with one line naming the file and the key, never with
 * an internal error, and never becomes a certificate the flag would have refused.
 */
export function parseState(text: string, file: string): BundleState {
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new FailError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]!.replace(/:$/, '')}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new FailError(`${file} is not a registry-setup bundle record`);
  const s = data as Record<string, unknown>;
  const field = <T>(key: string, check: (value: unknown, label: string) => T): T => {
    if (s[key] === undefined) throw new FailError(`${file}: ${key} is missing`);
    try {
      return check(s[key], key);
    } catch (err) {
      if (err instanceof UsageError) throw new FailError(`${file}: ${err.message}`);
      throw err;
    }
  };
  field('version', (v, k) => {
    if (v !== 1) throw new UsageError(`${k} ${JSON.stringify(v)} is not a version this registry-setup reads (1)`);
  });
  const hosts = field('hosts', (v, k) => {
    if (!Array.isArray(v) || v.length === 0) throw new UsageError(`${k} must be a list of at least one address`);
    return v.map((h, i) => parseHostValue(h, `${k}[${i}]`));
  });
  const bool = (v: unknown, k: string) => {
    if (typeof v !== 'boolean') throw new UsageError(`${k} ${JSON.stringify(v)} must be true or false`);
    return v;
  };
  const text1 = (v: unknown, k: string) => {
    if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`${k} ${JSON.stringify(v)} must be a non-empty string`);
    return v;
  };
  // Records written before ECDSA have no keyType: every key then was RSA.
  const keyType = s.keyType === undefined ? 'rsa' : field('keyType', parseKeyType);
  const mode = field('mode', (v, k) => parseChoice(v, k, MODES));
  const auth = s.auth === undefined ? undefined : field('auth', (v, k) => parseChoice(v, k, AUTH_KINDS));
  if (auth === 'token' && mode === 'insecure') throw new FailError(`${file}: auth "token" cannot be used with mode "insecure": tokens and passwords need TLS`);
  const storage = s.storage === undefined ? undefined : field('storage', (v, k) => parseChoice(v, k, STORAGE_KINDS));
  const replicas = s.replicas === undefined ? undefined : field('replicas', parseReplicas);
  if (storage !== 's3' && s.s3 !== undefined) throw new FailError(`${file}: s3 is set but storage is not "s3"`);
  if (replicas !== undefined && replicas > 1 && (storage !== 's3' || mode !== 'proxy')) {
    throw new FailError(`${file}: replicas ${replicas} needs storage "s3" and mode "proxy" (the instances share one bucket behind nginx)`);
  }
  return {
    version: 1,
    mode,
    hosts,
    port: field('port', parsePort),
    days: field('days', parseDays),
    caDays: field('caDays', parseCaDays),
    keyType,
    ...(keyType === 'rsa' && { keySize: field('keySize', parseKeySize), caKeySize: field('caKeySize', parseKeySize) }),
    bcryptCost: field('bcryptCost', parseBcryptCost),
    ...(auth && { auth }),
    ...(auth === 'token' && { tokenService: field('tokenService', parseTokenService) }),
    ...(auth === 'token' && mode === 'tls' && { authPort: field('authPort', parsePort) }),
    ...(s.mirrors !== undefined && { mirrors: field('mirrors', parseMirrorRecords) }),
    ...(s.mirrorAuth !== undefined && { mirrorAuth: field('mirrorAuth', (v, k) => {
      if (bool(v, k) && mode === 'insecure') throw new UsageError(`${k} true cannot be used with mode "insecure": it has no login to ask for`);
      return bool(v, k);
    }) }),
    ...(storage && { storage }),
    ...(storage === 's3' && { s3: field('s3', parseS3Record) }),
    ...(replicas !== undefined && { replicas }),
    externalCa: field('externalCa', bool),
    image: field('image', text1),
    createdAt: field('createdAt', text1),
  };
}

/** Reads DIR/registry-setup.yml, with one clear line when the bundle is not there. */
export function readBundleState(dir: string): BundleState {
  const file = join(dir, BUNDLE_FILES.state);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FailError(`no bundle in ${dir}: ${file} is missing (run registry-setup init, or pass --dir)`);
    throw new FailError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return parseState(text, file);
}
