import type { X509Certificate } from 'node:crypto';
import { parseCert } from '../pki/inspect.js';

/** Every certificate in a PEM text, in order; null when a block does not parse. */
export function pemBlocks(text: string): X509Certificate[] | null {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  const certs = blocks.map((b) => parseCert(`${b}\n`));
  return certs.length > 0 && certs.every((c) => c !== null) ? (certs as X509Certificate[]) : null;
}

/**
 * Whether what the server presents (its certificate, then any intermediates, as an
 * outside CA's chain gives them) leads to `root`, the CA the nodes trust.
 */
export function servedChainVerifies(served: readonly X509Certificate[], root: X509Certificate): boolean {
  const path = [...served, root];
  return served.length > 0 && served.every((c, i) => c.checkIssued(path[i + 1]!) && c.verify(path[i + 1]!.publicKey));
}
