import type { BundleState } from '../../bundle/state.js';
import { planBundleFiles, REGISTRY_IMAGE, type BundleMaterial } from '../../bundle/plan-files.js';
import type { PlannedFile } from '../../io/file-plan.js';
import { parseHost } from '../../pki/hosts.js';
import { issueCa, issueLeaf, issueTokenSigner } from '../../pki/issue.js';
import { generateKeyPair, type BundleKeys } from '../../pki/keys.js';
import { DEFAULT_TOKEN_SERVICE, renderAuthConfig } from '../../auth/auth-config.js';
import type { OutsideCa } from '../../pki/outside-ca.js';
import { formatHtpasswd, hashPasswordAsync } from '../../render/htpasswd.js';
import type { InitAnswers } from './resolve.js';
import { renderRegistryEnv } from '../../storage/registry-env.js';

export interface InitPlan {
  state: BundleState;
  files: PlannedFile[];
}

/** The record init writes: its answers, never a secret. */
export function initState(a: InitAnswers, now: Date, externalCa: boolean): BundleState {
  return {
    version: 1, mode: a.mode, hosts: a.hosts, port: a.port, days: a.days, caDays: a.caDays, keyType: a.keyType,
    ...(a.leafKey.type === 'rsa' && a.caKey.type === 'rsa' && { keySize: a.leafKey.bits, caKeySize: a.caKey.bits }),
    bcryptCost: a.bcryptCost,
    auth: a.auth,
    ...(a.auth === 'token' && { tokenService: DEFAULT_TOKEN_SERVICE, ...(a.authPort && { authPort: a.authPort }) }),
    ...(a.mirrors.length > 0 && { mirrors: a.mirrors, ...(a.mirrorAuth && { mirrorAuth: true }) }),
    ...(a.storage.s3 && { storage: 's3' as const, s3: a.storage.s3 }),
    ...(a.storage.replicas > 1 && { replicas: a.storage.replicas }),
    externalCa, image: REGISTRY_IMAGE, createdAt: now.toISOString(),
  };
}

const PENDING: BundleMaterial = { caCertPem: null, caKeyPem: null, certPem: null, keyPem: null, htpasswd: null };

/** Pure: the whole bundle; with no material yet (a dry run), the secret files are listed as pending. */
export function planInit(a: InitAnswers, ctx: { now: Date; outsideCa: boolean; material: BundleMaterial | null }): InitPlan {
  const state = initState(a, ctx.now, ctx.outsideCa);
  const credentials = Object.fromEntries(a.mirrorCredentials ? [[a.mirrors[0]!.upstream, a.mirrorCredentials]] : []);
  return { state, files: planBundleFiles(state, { ...(ctx.material ?? PENDING), mirrorCredentials: credentials }) };
}

/**
 * The CA, the server certificate and the hashes. Everything slow here yields to the
 * event loop (keys on the thread pool, bcrypt in slices), so Ctrl-C is never held
 * up by it; signing takes a millisecond.
 */
export async function issueMaterial(
  a: InitAnswers,
  ctx: { now: Date; keys: BundleKeys; outsideCa: OutsideCa | null; random: (n: number) => Uint8Array },
): Promise<BundleMaterial> {
  const { now, keys, outsideCa } = ctx;
  const ca = outsideCa ?? {
    certPem: issueCa({ keys: keys.ca!, commonName: `registry-setup CA for ${a.hosts[0]}`, days: a.caDays, now, serial: ctx.random(16) }),
    keyPem: keys.ca!.privateKeyPem,
    rootPem: undefined,
    chainPem: '',
  };
  const leafPem = issueLeaf({ ca, publicKeyPem: keys.leaf.publicKeyPem, hosts: a.hosts.map((h) => parseHost(h)), days: a.days, now, serial: ctx.random(16) });
  const hashes = [];
  for (const u of a.users) hashes.push({ user: u.name, hash: await hashPasswordAsync(u.password, a.bcryptCost) });
  const token = a.auth === 'token' ? await issueTokenMaterial(a, ca, now, ctx.random, hashes) : undefined;
  const keys3 = a.storage.keys;
  return {
    ...(token && { token }),
    // One random http.secret for every instance: an upload's state is signed with it, whichever instance it reaches.
    ...(keys3 && { registryEnv: renderRegistryEnv({ accessKey: keys3.accessKey, secretKey: keys3.secretKey, httpSecret: Buffer.from(ctx.random(32)).toString('hex') }) }),
    // Nodes trust the top of an outside chain; the server presents its leaf and the intermediates under it.
    caCertPem: ca.rootPem ?? ca.certPem,
    caKeyPem: outsideCa ? null : ca.keyPem,
    certPem: `${leafPem}${ca.chainPem ?? ''}`,
    keyPem: keys.leaf.privateKeyPem,
    htpasswd: a.auth === 'token' ? null : formatHtpasswd(hashes),
  };
}

/** RSA, because docker_auth 1.14 computes a wrong key id for EC keys (FACTS.md); init's users are admins. */
async function issueTokenMaterial(
  a: InitAnswers, ca: { certPem: string; keyPem: string }, now: Date, random: (n: number) => Uint8Array, hashes: { user: string; hash: string }[],
): Promise<NonNullable<BundleMaterial['token']>> {
  const key = await generateKeyPair({ type: 'rsa', bits: 2048 });
  const certPem = issueTokenSigner({ ca, publicKeyPem: key.publicKeyPem, commonName: `registry-setup token signer for ${a.hosts[0]}`, days: a.days, now, serial: random(16) });
  const users = hashes.map((h) => ({ name: h.user, hash: h.hash, role: 'admin' as const, repos: [] }));
  return { authConfig: renderAuthConfig(initState(a, now, false), users), certPem, keyPem: key.privateKeyPem };
}
