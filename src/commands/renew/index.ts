import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { FailError } from '../../errors.js';
import { loadBundle, type LoadedBundle } from '../../bundle/load.js';
import { openBundleState } from '../../bundle/open.js';
import { pemBlocks, servedChainVerifies } from '../../bundle/served-chain.js';
import { tlsMirrors } from '../../mirrors/render.js';
import { BUNDLE_FILES } from '../../bundle/state.js';
import { acquireLock } from '../../io/bundle-lock.js';
import { commitChange } from '../../io/bundle-writer.js';
import { resolvedFiles } from '../../io/file-plan.js';
import { createOutput, type Output } from '../../io/output.js';
import { MAX_LEAF_DAYS_APPLE } from '../init/resolve.js';
import { mainAddress, parseHost } from '../../pki/hosts.js';
import { certSans, keyMatchesCert, keySpecOfCert, parseKey } from '../../pki/inspect.js';
import { issueLeaf } from '../../pki/issue.js';
import { generateKeyPair, type KeySpec } from '../../pki/keys.js';
import { isoDay } from '../../pki/dates.js';
import { loadOutsideCa, type OutsideCa } from '../../pki/outside-ca.js';
import { caExpiryAdvice, decideRenewal, leafDays } from '../../pki/renewal.js';
import { resolveRenewFlags, type RenewFlags, type RenewOptions } from './resolve.js';
import { planRenewFiles, renewedState } from './plan.js';
import { printNothingToDo, printRenewDryRun, printRenewed, runReload } from './report.js';
import { planTokenRenewal, issueTokenRenewal } from './token.js';
import { nudgeTokenServer } from '../../auth/live-reload.js';

export interface RenewDeps {
  now?: Date;
  out?: Output;
}

/** resolve → plan → apply → report; the bundle is locked from reading it to committing. */
export async function renew(flags: RenewFlags, deps: RenewDeps = {}): Promise<void> {
  if (flags.installTimer) return (await import('./timer.js')).installTimer(flags, deps);
  const opts = resolveRenewFlags(flags);
  const now = deps.now ?? new Date();
  const out = deps.out ?? createOutput({ json: flags.json });
  const { dir } = openBundleState(opts.dir, out); // a missing bundle is one clear line, before any lock
  const lock = opts.dryRun ? null : acquireLock(dir);
  try {
    const b = loadBundle(dir);
    await renewBundle(b, opts, now, out);
  } finally {
    lock?.release();
  }
}

async function renewBundle(b: LoadedBundle, opts: RenewOptions, now: Date, out: Output): Promise<void> {
  assertRenewable(b, opts.force);
  const caNotAfter = new Date(b.caCert.validTo);
  const caAdvice = caExpiryAdvice(caNotAfter, now, opts.windowDays);
  if (caNotAfter <= now) throw new FailError(caAdvice!);
  if (caAdvice) out.warn(caAdvice);

  const token = planTokenRenewal(b, now, opts.windowDays, opts.force);
  if (token?.due) out.warn(`the token-signing certificate (${BUNDLE_FILES.tokenCert}) ${token.due}: it is renewed with the server certificate`);
  const decision = decideRenewal({
    now, windowDays: opts.windowDays, force: opts.force || Boolean(token?.due), certNotAfter: new Date(b.cert.validTo),
    certSans: certSans(b.cert), recordedHosts: b.state.hosts, addHosts: opts.addHosts,
  });
  if (!decision.renew) return printNothingToDo(out, b, decision.due, opts.windowDays);

  const requested = opts.days ?? b.state.days;
  const { days, cappedByCa } = leafDays(requested, caNotAfter, now);
  const ca = signingCa(b, opts, now, days); // before any warning: a refusal is one line
  if (cappedByCa) out.warn(`the CA ends on ${isoDay(caNotAfter)}, so the new certificate is cut to ${days} days instead of ${requested}`);
  if (days > MAX_LEAF_DAYS_APPLE) out.warn(`--days ${days} is over ${MAX_LEAF_DAYS_APPLE}: Apple clients reject such certificates`);
  if (days <= opts.windowDays) out.warn(`a ${days}-day certificate is always within the ${opts.windowDays}-day window: every renew will replace it`);
  const state = renewedState(b.state, decision.hosts, days);
  const convert = b.generation === null ? b.state : null;
  const summary = { reason: decision.reason, hosts: decision.hosts, days };
  const pendingToken = token && { certPem: null, ...(token.newKey && { newKeyPem: null }) };
  if (opts.dryRun) return printRenewDryRun(out, summary, planRenewFiles({ certPem: null, keyPem: null, ...(pendingToken && { token: pendingToken }) }, state, convert));

  out.progress('• generating a new key and certificate…');
  const keys = await generateKeyPair(keySpecFor(b));
  const leafPem = issueLeaf({ ca, publicKeyPem: keys.publicKeyPem, hosts: decision.hosts.map((h) => parseHost(h)), days, now, serial: randomBytes(16) });
  const certPem = `${leafPem}${ca.chainPem}`;
  // Nodes trust ca/ca.crt, not whatever signed: prove the new chain leads to it before anything is replaced.
  const served = pemBlocks(certPem);
  if (!served || !servedChainVerifies(served, b.caCert)) {
    throw new FailError(`the new certificate does not chain to ${join(b.dir, BUNDLE_FILES.caCert)}; nothing was changed`);
  }
  const tokenMaterial = token ? await issueTokenRenewal(b, token, ca, days, now) : undefined;
  const files = resolvedFiles(planRenewFiles({ certPem, keyPem: keys.privateKeyPem, ...(tokenMaterial && { token: tokenMaterial }) }, state, convert));
  const result = await commitChange(b.dir, { files }, { now, random: (n) => randomBytes(n) });
  // docker_auth reloads its config and with it the files it names: the new token certificate, and in tls mode the server's.
  if (token) nudgeTokenServer(b.dir);
  if (token?.newKey) out.warn(`a new token-signing key was made: restart the registry so it trusts it (cd ${b.dir} && docker compose restart registry)`);
  // In insecure mode only the mirrors serve the certificate: wait for the first of them.
  const servedPort = b.state.mode === 'insecure' && b.state.mirrors?.length ? b.state.mirrors[0]!.port : b.state.port;
  const newServed = { address: mainAddress(b.state.hosts, servedPort), caPem: b.caCertPem, fingerprint256: served[0]!.fingerprint256 };
  const reloaded = opts.reload ? await runReload(b.dir, b.state.mode, convert !== null, newServed, out, undefined, tlsMirrors(b.state)) : false;
  printRenewed(out, { b, cert: served[0]!, result, summary, stateChanged: state !== null, converted: convert !== null, reloaded });
}

/** The key type the record names (RSA at its recorded size); an old record falls back to the current key's. */
function keySpecFor(b: LoadedBundle): KeySpec {
  if (b.state.keyType === 'ecdsa') return { type: 'ecdsa' };
  return { type: 'rsa', bits: b.state.keySize ?? keySpecBits(b) };
}

function keySpecBits(b: LoadedBundle): number {
  const spec = keySpecOfCert(b.cert);
  return spec?.type === 'rsa' ? spec.bits : 2048;
}

/** A bundle whose key or chain is already wrong is not renewed quietly: --force replaces both. */
function assertRenewable(b: LoadedBundle, force: boolean): void {
  if (force) return;
  const file = (rel: string) => join(b.dir, rel);
  if (!b.key) throw new FailError(`${file(BUNDLE_FILES.key)} is missing; run renew --force to issue a new key and certificate`);
  if (!keyMatchesCert(b.cert, b.key)) {
    throw new FailError(`${file(BUNDLE_FILES.key)} does not match ${file(BUNDLE_FILES.cert)}; run renew --force to issue a new key and certificate`);
  }
  if (!servedChainVerifies(b.served, b.caCert)) {
    throw new FailError(`${file(BUNDLE_FILES.cert)} was not issued by ${file(BUNDLE_FILES.caCert)}; run renew --force to replace it with one that is`);
  }
}

/** The CA's key: the bundle's own, or an outside CA given by flags, which must lead to the CA the nodes already trust. */
function signingCa(b: LoadedBundle, opts: RenewOptions, now: Date, days: number): OutsideCa {
  if (opts.ca) {
    const ca = loadOutsideCa(opts.ca.certFile, opts.ca.keyFile, now, days);
    const root = pemBlocks(ca.rootPem)?.[0];
    if (!root || root.subject !== b.caCert.subject || !root.publicKey.equals(b.caCert.publicKey)) {
      throw new FailError(`--ca-cert ${opts.ca.certFile} is not the bundle's CA (${BUNDLE_FILES.caCert}), nor a chain that leads to it; renew never switches CA, because every node trusts that one`);
    }
    return ca;
  }
  if (b.caKeyPem === null) {
    const why = b.state.externalCa ? 'this bundle was made with an outside CA, whose key stays outside it' : `${BUNDLE_FILES.caKey} is missing`;
    throw new FailError(`cannot sign: ${why}; pass the CA as --ca-cert FILE --ca-key FILE`);
  }
  const key = parseKey(b.caKeyPem);
  if (!key) throw new FailError(`${join(b.dir, BUNDLE_FILES.caKey)} is not a readable PEM private key`);
  if (!keyMatchesCert(b.caCert, key)) throw new FailError(`${join(b.dir, BUNDLE_FILES.caKey)} does not match ${join(b.dir, BUNDLE_FILES.caCert)}`);
  return { certPem: b.caCertPem, keyPem: b.caKeyPem, rootPem: b.caCertPem, chainPem: '' };
}
