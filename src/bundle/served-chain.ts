import type { X509Certificate } from 'node:crypto';
import { readPemCertificates } from '../pki/chain.js';
import { UsageError } from '../errors.js';

/** Every certificate in a PEM text, in order; null where the flags' reader would name what is wrong. */
export function pemBlocks(text: string): X509Certificate[] | null {
  try {
    return readPemCertificates(text, '', '').map((b) => b.cert);
  } catch (err) {
    if (err instanceof UsageError) return null;
    throw err;
  }
}

/**
 * Whether what the server presents (its certificate, then any intermediates, as an
 * outside CA's chain gives them) leads to `root`, the CA the nodes trust.
 */
export function servedChainVerifies(served: readonly X509Certificate[], root: X509Certificate): boolean {
  const path = [...served, root];
  return served.length > 0 && served.every((c, i) => c.checkIssued(path[i + 1]!) && c.verify(path[i + 1]!.publicKey));
}
