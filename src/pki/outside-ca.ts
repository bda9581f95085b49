import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { keyMatchesCert, parseCert, parseKey } from './inspect.js';
import { DAY_MS, isoDay } from './dates.js';

export interface OutsideCa {
  certPem: string;
  keyPem: string;
}

function readFlagFile(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

/** --ca-cert/--ca-key: an existing CA must be a CA, match its key, and be one forge can sign with. */
export function loadOutsideCa(certFile: string, keyFile: string, now: Date, days: number): OutsideCa {
  const certPem = readFlagFile(certFile, '--ca-cert');
  const keyPem = readFlagFile(keyFile, '--ca-key');
  const cert = parseCert(certPem);
  if (!cert) throw new UsageError(`--ca-cert ${certFile} is not a PEM certificate`);
  const key = parseKey(keyPem);
  if (!key) throw new UsageError(`--ca-key ${keyFile} is not a PEM private key (an encrypted key must be decrypted first)`);
  if (!cert.ca) throw new UsageError(`--ca-cert ${certFile} is not a CA certificate (basicConstraints CA:TRUE is missing)`);
  if (!keyMatchesCert(cert, key)) throw new UsageError(`--ca-key ${keyFile} does not match --ca-cert ${certFile}`);
  if (key.asymmetricKeyType !== 'rsa') throw new UsageError(`--ca-key ${keyFile} is ${key.asymmetricKeyType}; only RSA CA keys are supported`);
  const notAfter = new Date(cert.validTo);
  if (notAfter <= now) throw new UsageError(`--ca-cert ${certFile} expired on ${isoDay(notAfter)}`);
  if (notAfter.getTime() < now.getTime() + days * DAY_MS) {
    throw new UsageError(`--ca-cert ${certFile} expires on ${isoDay(notAfter)}, before a ${days}-day server certificate would; lower --days`);
  }
  // forge wants PKCS#1 for RSA; a PKCS#8 file from cfssl or openssl is re-encoded in memory.
  return { certPem, keyPem: key.export({ type: 'pkcs1', format: 'pem' }).toString() };
}
