import { createPublicKey, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { FailError } from '../../errors.js';
import type { LoadedBundle } from '../../bundle/load.js';
import { BUNDLE_FILES } from '../../bundle/state.js';
import { assessTokenSigner } from '../../auth/token-status.js';
import { issueTokenSigner } from '../../pki/issue.js';
import { generateKeyPair } from '../../pki/keys.js';
import { parseKey } from '../../pki/inspect.js';

export interface TokenRenewal {
  /** Why the token certificate alone would make renew act ("expires in 3 days"), or null when only the server certificate decides. */
  due: string | null;
  /** The key is missing or the registry does not trust it: a new key (only with --force). */
  newKey: boolean;
}

/**
 * The token signer follows the server certificate's rules: same CA, same validity, due in
 * the same window; a broken key or certificate is replaced only with --force, as the server's.
 */
export function planTokenRenewal(b: LoadedBundle, now: Date, windowDays: number, force: boolean): TokenRenewal | null {
  if (!b.token) return null;
  const s = assessTokenSigner(b.token, now, windowDays);
  const broken = s.trustedMatchesKey !== true;
  if (broken && !force) {
    const why = s.trustedMatchesKey === null ? `${BUNDLE_FILES.tokenKey} is missing or unreadable` : `${BUNDLE_FILES.tokenCert} does not match ${BUNDLE_FILES.tokenKey}`;
    throw new FailError(`${why} in ${b.dir}; run renew --force to issue a new token-signing key and certificate`);
  }
  const due = !s.cert ? 'is missing' : s.cert.verdict === 'expired' ? 'has expired' : s.cert.verdict === 'expiring' ? `expires in ${s.cert.daysLeft} days` : null;
  return { due, newKey: broken };
}

/** A new certificate for the kept key (or, with --force on a broken one, a new RSA key: docker_auth 1.14 cannot sign with EC). */
export async function issueTokenRenewal(
  b: LoadedBundle, plan: TokenRenewal, ca: { certPem: string; keyPem: string }, days: number, now: Date,
): Promise<{ certPem: string; newKeyPem?: string }> {
  let keyPem = b.token!.keyPem;
  let newKeyPem: string | undefined;
  if (plan.newKey || keyPem === null) {
    newKeyPem = keyPem = (await generateKeyPair({ type: 'rsa', bits: 2048 })).privateKeyPem;
  }
  const key = parseKey(keyPem);
  if (!key) throw new FailError(`${join(b.dir, BUNDLE_FILES.tokenKey)} is not a readable PEM private key`);
  const publicKeyPem = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  const certPem = issueTokenSigner({ ca, publicKeyPem, commonName: `registry-setup token signer for ${b.state.hosts[0]}`, days, now, serial: randomBytes(16) });
  return { certPem, ...(newKeyPem && { newKeyPem }) };
}
