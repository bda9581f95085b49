import type { X509Certificate } from 'node:crypto';
import { UsageError } from '../errors.js';
import { chainsTo, parseCert } from './inspect.js';

/** Any PEM block; text around and between blocks (openssl's "subject=" lines, comments) is ignored. */
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

export interface ChainBlock {
  cert: X509Certificate;
  /** The block as one clean PEM certificate, as Node re-encodes it. */
  pem: string;
}

const who = (cert: X509Certificate) => JSON.stringify(cert.subject.replace(/\n/g, ', '));

/**
 * The certificates of a --ca-cert file, in file order. Each block must parse
 * as a certificate; a private key or a damaged block is refused by number,
 * because using "the rest" would sign with a chain nobody meant.
 */
export function readPemCertificates(text: string, flag: string, file: string): ChainBlock[] {
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) throw new UsageError(`${flag} ${file} is not a PEM certificate`);
  if (text.split('-----BEGIN ').length - 1 !== blocks.length) {
    throw new UsageError(`${flag} ${file} has a PEM block without its matching -----END line; is the file cut short?`);
  }
  return blocks.map((m, i) => {
    const n = blocks.length > 1 ? ` (block ${i + 1} of ${blocks.length})` : '';
    if (m[1] !== 'CERTIFICATE') throw new UsageError(`${flag} ${file}${n} holds a ${m[1]}, not a CERTIFICATE; give certificates only`);
    const cert = parseCert(m[0]);
    if (!cert) throw new UsageError(`${flag} ${file}${n} is not a readable PEM certificate`);
    return { cert, pem: cert.toString() };
  });
}

/**
 * A chain as people keep it (and as nginx and Go serve it): the signing CA
 * first, then each issuer in turn. Every block must be a CA certificate issued
 * and signed by the next; the last is the one nodes trust.
 */
export function checkChainOrder(chain: readonly ChainBlock[], flag: string, file: string): void {
  chain.forEach(({ cert }, i) => {
    if (!cert.ca) {
      const which = chain.length > 1 ? `: ${who(cert)} (block ${i + 1})` : '';
      throw new UsageError(`${flag} ${file}${which} is not a CA certificate (basicConstraints CA:TRUE is missing)`);
    }
    const issuer = chain[i + 1]?.cert;
    if (issuer && !chainsTo(cert, issuer)) {
      throw new UsageError(
        `${flag} ${file}: ${who(cert)} (block ${i + 1}) was not issued by the next block, ${who(issuer)}; ` +
          'list the signing CA first, then each issuer in order up to the root',
      );
    }
  });
}

/** The certificate that ends first: a chain is only as good as its shortest-lived link. */
export function firstToExpire(chain: readonly ChainBlock[]): { cert: X509Certificate; notAfter: Date; index: number } {
  return chain
    .map(({ cert }, index) => ({ cert, notAfter: new Date(cert.validTo), index }))
    .reduce((a, b) => (b.notAfter < a.notAfter ? b : a));
}
