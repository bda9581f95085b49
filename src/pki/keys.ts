import { generateKeyPair } from 'node:crypto';

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

/**
 * Node's native generator runs on the libuv thread pool, so the CA and server
 * keys are found in parallel and the event loop stays free for the wizard.
 */
export function generateRsaKeyPair(bits: number): Promise<KeyPairPem> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: bits,
        publicExponent: 0x10001,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      },
      (err, publicKeyPem, privateKeyPem) => (err ? reject(err) : resolve({ privateKeyPem, publicKeyPem })),
    );
  });
}

export interface BundleKeys {
  leaf: KeyPairPem;
  ca: KeyPairPem | null; // null when an outside CA signs
}

/** Both keys at once, on two threads; awaited later, so a rejection is not reported as unhandled first. */
export function startBundleKeys(leafBits: number, caBits: number | null): Promise<BundleKeys> {
  const both = Promise.all([generateRsaKeyPair(leafBits), caBits ? generateRsaKeyPair(caBits) : null]).then(([leaf, ca]) => ({ leaf, ca }));
  both.catch(() => {});
  return both;
}
