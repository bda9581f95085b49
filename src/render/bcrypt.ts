import { PI_WORDS } from './bcrypt-pi.js';

/**
 * bcrypt ($2b$), as OpenBSD defines it, for the htpasswd lines we write; tests
 * check it against bcryptjs and `htpasswd -v`. Why not bcryptjs itself: a command
 * runs bcrypt once, cold, and bcryptjs's unrolled cipher takes V8 about as long to
 * optimise as the whole hash then takes. Here the cipher is one small loop inside
 * the key schedule, which V8 optimises in place early; at cost 5 that halves the
 * time init spends hashing.
 */

const STATE_WORDS = 18 + 4 * 256; // the P-array, then the four S-boxes
const CIPHERTEXT = 'OrpheanBeholderScryDoubt';

/** The words a key or salt gives as a cyclic byte stream, from its start (each ExpandKey restarts it). */
function streamWords(bytes: Uint8Array, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0, at = 0; i < n; i++) {
    for (let k = 0; k < 4; k++, at = (at + 1) % bytes.length) out[i] = (out[i]! << 8) | bytes[at]!;
  }
  return out;
}

/** Blowfish on one block (l, r) under state st; the 16 rounds are a loop so that V8 optimises it quickly. */
function encipher(st: Int32Array, block: Int32Array): void {
  let l = block[0]! ^ st[0]!;
  let r = block[1]!;
  for (let k = 1; k <= 16; k += 2) {
    r ^= (((st[18 + (l >>> 24)]! + st[274 + ((l >>> 16) & 0xff)]!) ^ st[530 + ((l >>> 8) & 0xff)]!) + st[786 + (l & 0xff)]!) ^ st[k]!;
    l ^= (((st[18 + (r >>> 24)]! + st[274 + ((r >>> 16) & 0xff)]!) ^ st[530 + ((r >>> 8) & 0xff)]!) + st[786 + (r & 0xff)]!) ^ st[k + 1]!;
  }
  block[0] = r ^ st[17]!;
  block[1] = l;
}

/** ExpandKey: P ^= the key's words, then every P and S pair is the encryption of the last, xored with the salt's words when given. */
function expandKey(st: Int32Array, keyWords: Int32Array, saltWords: Int32Array | null): void {
  for (let i = 0; i < 18; i++) st[i]! ^= keyWords[i]!;
  const block = new Int32Array(2);
  for (let i = 0; i < STATE_WORDS; i += 2) {
    if (saltWords) {
      block[0]! ^= saltWords[i & 3]!;
      block[1]! ^= saltWords[(i + 1) & 3]!;
    }
    encipher(st, block);
    st[i] = block[0]!;
    st[i + 1] = block[1]!;
  }
}

const B64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** bcrypt's base64: the usual grouping, no padding, its own alphabet. */
const bcryptBase64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes).toString('base64').replace(/=+$/, '').replace(/./g, (c) => B64[STD.indexOf(c)]!);

/**
 * The $2b$ hash of password under a 16-byte salt at 2^cost rounds. It yields to
 * the event loop between slices of rounds, so a high cost never holds up Ctrl-C.
 */
export async function bcryptHash(password: string, cost: number, salt: Uint8Array): Promise<string> {
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new Error(`bcrypt cost ${cost} is not 4 to 31`);
  if (salt.length !== 16) throw new Error('a bcrypt salt is 16 bytes');
  const key = streamWords(Buffer.from(`${password}\0`, 'utf8'), 18); // only the first 72 bytes count
  const saltKey = streamWords(salt, 18);
  const st = Int32Array.from(PI_WORDS);
  expandKey(st, key, streamWords(salt, 4));
  let slice = Date.now();
  for (let n = 2 ** cost; n > 0; n--) {
    expandKey(st, key, null);
    expandKey(st, saltKey, null);
    if (Date.now() - slice > 10) {
      await new Promise((resolve) => setImmediate(resolve));
      slice = Date.now();
    }
  }
  const text = streamWords(Buffer.from(CIPHERTEXT), 6);
  for (let j = 0; j < 6; j += 2) {
    const block = text.subarray(j, j + 2);
    for (let n = 0; n < 64; n++) encipher(st, block);
  }
  const out = Buffer.alloc(24);
  for (let i = 0; i < 6; i++) out.writeInt32BE(text[i]!, i * 4);
  return `$2b$${String(cost).padStart(2, '0')}$${bcryptBase64(salt)}${bcryptBase64(out.subarray(0, 23))}`;
}
