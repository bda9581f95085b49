import { UsageError } from '../../errors.js';
import type { KeySpec, KeyType } from '../../pki/keys.js';
import { parseKeySize, parseKeyType } from '../../options/values.js';

export const DEFAULT_KEY_TYPE: KeyType = 'ecdsa';

/**
 * --key-type and the RSA sizes. Light on purpose: cli.ts calls it before init's
 * modules load, so key generation starts first and the imports overlap it.
 */
export function resolveKeySpecs(flags: { keyType?: string; keySize?: string; caKeySize?: string }): { keyType: KeyType; leafKey: KeySpec; caKey: KeySpec } {
  const keyType = flags.keyType === undefined ? DEFAULT_KEY_TYPE : parseKeyType(flags.keyType);
  if (keyType === 'ecdsa') {
    const sized = flags.keySize !== undefined ? '--key-size' : flags.caKeySize !== undefined ? '--ca-key-size' : null;
    if (sized) throw new UsageError(`${sized} sets an RSA key's size; ECDSA keys are P-256 (pass --key-type rsa for RSA)`);
    return { keyType, leafKey: { type: 'ecdsa' }, caKey: { type: 'ecdsa' } };
  }
  return {
    keyType,
    leafKey: { type: 'rsa', bits: flags.keySize === undefined ? 2048 : parseKeySize(flags.keySize, '--key-size') },
    caKey: { type: 'rsa', bits: flags.caKeySize === undefined ? 4096 : parseKeySize(flags.caKeySize, '--ca-key-size') },
  };
}
