import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject, X509Certificate } from 'node:crypto';
import { FailError } from '../errors.js';
import { parseKey } from '../pki/inspect.js';
import { currentGeneration } from '../io/generations.js';
import { pemBlocks } from './served-chain.js';
import { BUNDLE_FILES, authOf, type BundleState } from './state.js';
import { readBundleState } from './read-state.js';

/** A bundle as day-2 commands see it: the record, and the PKI files parsed. */
export interface LoadedBundle {
  dir: string;
  state: BundleState;
  caCertPem: string;
  caCert: X509Certificate;
  certPem: string;
  cert: X509Certificate;
  /** What the server presents: its certificate, then an outside CA's intermediates. */
  served: X509Certificate[];
  /** The live generation; null for a bundle written before generations (a flat one). */
  generation: string | null;
  /** null when the key file is missing; a key that is there but unreadable is an error. */
  key: KeyObject | null;
  /** The CA key's PEM, null when it is not in the bundle (an outside CA, or removed). */
  caKeyPem: string | null;
  /** auth/htpasswd's text, null when absent (insecure mode and token auth have none). */
  htpasswd: string | null;
  /** Token auth only: docker_auth's config, the certificate the registry trusts, and the key docker_auth signs with (null when absent). */
  token?: { authConfig: string | null; certPem: string | null; keyPem: string | null };
}

/** The file's text, or null when it does not exist; any other failure names the file. */
export function readOptional(dir: string, rel: string): string | null {
  try {
    return readFileSync(join(dir, rel), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new FailError(`cannot read ${join(dir, rel)}: ${(err as Error).message}`);
  }
}

function required(dir: string, rel: string): string {
  const text = readOptional(dir, rel);
  if (text === null) throw new FailError(`${join(dir, rel)} is missing from the bundle`);
  return text;
}

function certsAt(dir: string, rel: string): { pem: string; certs: X509Certificate[] } {
  const pem = required(dir, rel);
  const certs = pemBlocks(pem);
  if (!certs) throw new FailError(`${join(dir, rel)} is not a readable PEM certificate`);
  return { pem, certs };
}

/** Reads and parses everything status, renew and user need, failing with one line that names the file. */
export function loadBundle(dir: string): LoadedBundle {
  const state = readBundleState(dir);
  const ca = certsAt(dir, BUNDLE_FILES.caCert);
  if (ca.certs.length !== 1) throw new FailError(`${join(dir, BUNDLE_FILES.caCert)} must hold one certificate, the CA nodes trust; it holds ${ca.certs.length}`);
  const leaf = certsAt(dir, BUNDLE_FILES.cert);
  const keyPem = readOptional(dir, BUNDLE_FILES.key);
  const key = keyPem === null ? null : parseKey(keyPem);
  if (keyPem !== null && !key) throw new FailError(`${join(dir, BUNDLE_FILES.key)} is not a readable PEM private key`);
  return {
    dir,
    state,
    caCertPem: ca.pem,
    caCert: ca.certs[0]!,
    certPem: leaf.pem,
    cert: leaf.certs[0]!,
    served: leaf.certs,
    generation: currentGeneration(dir),
    key,
    caKeyPem: readOptional(dir, BUNDLE_FILES.caKey),
    htpasswd: state.mode === 'insecure' || authOf(state) === 'token' ? null : readOptional(dir, BUNDLE_FILES.htpasswd),
    ...(authOf(state) === 'token' && {
      token: {
        authConfig: readOptional(dir, BUNDLE_FILES.authConfig),
        certPem: readOptional(dir, BUNDLE_FILES.tokenCert),
        keyPem: readOptional(dir, BUNDLE_FILES.tokenKey),
      },
    }),
  };
}
