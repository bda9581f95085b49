import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { keyMatchesCert, parseKey } from './inspect.js';
import { privateKeyToPem } from './keys.js';
import { unsupportedKey } from './signer.js';
import { checkChainOrder, firstToExpire, readPemCertificates } from './chain.js';
import { DAY_MS, isoDay } from './dates.js';

export interface OutsideCa {
  /** The signing CA: the first block of --ca-cert, the certificate --ca-key matches. */
  certPem: string;
  /** --ca-key as PEM in the encoding registry-setup writes (PKCS#1 for RSA, PKCS#8 for EC), whatever the file used. */
  keyPem: string;
  /** The last block: what nodes trust, and what goes to ca/ca.crt. The signing CA itself when the file holds one certificate. */
  rootPem: string;
  /**
   * The intermediates a server sends after its own certificate: every block
   * but the last, signing CA first. '' when the signing CA is the one nodes trust.
   */
  chainPem: string;
}

function readFlagFile(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

/**
 * --ca-cert/--ca-key: a CA (or a chain, signing CA first) whose key matches the
 * first certificate, is RSA or ECDSA, and outlives a `days`-day server certificate.
 */
export function loadOutsideCa(certFile: string, keyFile: string, now: Date, days: number): OutsideCa {
  const certText = readFlagFile(certFile, '--ca-cert');
  const keyText = readFlagFile(keyFile, '--ca-key');
  const chain = readPemCertificates(certText, '--ca-cert', certFile);
  const key = parseKey(keyText);
  if (!key) throw new UsageError(`--ca-key ${keyFile} is not a PEM private key (an encrypted key must be decrypted first)`);
  checkChainOrder(chain, '--ca-cert', certFile);
  const signing = chain[0]!;
  const last = chain[chain.length - 1]!;
  const unsupported = unsupportedKey(key);
  if (unsupported) throw new UsageError(`--ca-key ${keyFile} ${unsupported}`);
  const mismatch = chain.length > 1 ? ` (the first certificate, which must be the one that signs)` : '';
  if (!keyMatchesCert(signing.cert, key)) throw new UsageError(`--ca-key ${keyFile} does not match --ca-cert ${certFile}${mismatch}`);

  const end = firstToExpire(chain);
  const whose = chain.length > 1 ? ` (its block ${end.index + 1}, ${end.cert.subject.replace(/\n/g, ', ')})` : '';
  if (end.notAfter <= now) throw new UsageError(`--ca-cert ${certFile}${whose} expired on ${isoDay(end.notAfter)}`);
  if (end.notAfter.getTime() < now.getTime() + days * DAY_MS) {
    throw new UsageError(`--ca-cert ${certFile}${whose} expires on ${isoDay(end.notAfter)}, before a ${days}-day server certificate would; lower --days`);
  }
  return {
    certPem: signing.pem,
    keyPem: privateKeyToPem(key),
    rootPem: last.pem,
    chainPem: chain.slice(0, -1).map((b) => b.pem).join(''),
  };
}
