import { randomBytes, type X509Certificate } from 'node:crypto';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { FailError } from '../errors.js';
import { loadBundle, type LoadedBundle } from '../bundle/load.js';
import { planRenewFiles, renewedState } from '../bundle/plan-renew.js';
import { reloadArgs, reloadCommand } from '../bundle/reload.js';
import { BUNDLE_FILES } from '../bundle/state.js';
import { formatMode } from '../io/file-plan.js';
import { createOutput, type Output } from '../io/output.js';
import { replaceFiles } from '../io/replace-files.js';
import { resolveRenewFlags, type RenewFlags, type RenewOptions } from '../options/renew-options.js';
import { MAX_LEAF_DAYS_APPLE } from '../options/init-options.js';
import { parseHost } from '../pki/hosts.js';
import { certSans, chainsTo, keyMatchesCert, parseCert, parseKey } from '../pki/inspect.js';
import { issueLeaf } from '../pki/issue.js';
import { generateRsaKeyPair } from '../pki/keys.js';
import { isoDay } from '../pki/dates.js';
import { loadOutsideCa, type OutsideCa } from '../pki/outside-ca.js';
import { caExpiryAdvice, decideRenewal, leafDays } from '../pki/renewal.js';

export interface RenewDeps {
  now?: Date;
  out?: Output;
}

export async function renew(flags: RenewFlags, deps: RenewDeps = {}): Promise<void> {
  if (flags.installTimer) return (await import('./install-timer.js')).installTimer(flags, deps);
  const opts = resolveRenewFlags(flags);
  const now = deps.now ?? new Date();
  const out = deps.out ?? createOutput({ json: flags.json });
  const b = loadBundle(resolve(opts.dir));
  assertRenewable(b, opts.force);

  const caNotAfter = new Date(b.caCert.validTo);
  const caAdvice = caExpiryAdvice(caNotAfter, now, opts.windowDays);
  if (caNotAfter <= now) throw new FailError(caAdvice!);
  if (caAdvice) out.warn(caAdvice);

  const decision = decideRenewal({
    now, windowDays: opts.windowDays, force: opts.force, certNotAfter: new Date(b.cert.validTo),
    certSans: certSans(b.cert), recordedHosts: b.state.hosts, addHosts: opts.addHosts,
  });
  if (!decision.renew) {
    if (out.isJson) return out.json({ renewed: false, notAfter: new Date(b.cert.validTo).toISOString(), due: decision.due.toISOString() });
    return out.print(`Nothing to do: ${BUNDLE_FILES.cert} is valid until ${isoDay(new Date(b.cert.validTo))}; renewal is due on ${isoDay(decision.due)} (window ${opts.windowDays} days).`);
  }

  const requested = opts.days ?? b.state.days;
  const { days, cappedByCa } = leafDays(requested, caNotAfter, now);
  const ca = signingCa(b, opts, now, days); // before any warning: a refusal is one line
  if (cappedByCa) out.warn(`the CA ends on ${isoDay(caNotAfter)}, so the new certificate is cut to ${days} days instead of ${requested}`);
  if (days > MAX_LEAF_DAYS_APPLE) out.warn(`--days ${days} is over ${MAX_LEAF_DAYS_APPLE}: Apple clients reject such certificates`);
  if (days <= opts.windowDays) out.warn(`a ${days}-day certificate is always within the ${opts.windowDays}-day window: every renew will replace it`);
  const state = renewedState(b.state, decision.hosts, days);
  const dir = b.dir;

  if (opts.dryRun) {
    const files = planRenewFiles('', '', state);
    if (out.isJson) return out.json({ dryRun: true, reason: decision.reason, hosts: decision.hosts, days, files: files.map((f) => ({ path: f.path, mode: formatMode(f.mode) })) });
    out.print(`Would issue a ${days}-day certificate (${decision.reason}) for ${decision.hosts.join(', ')}, and replace (nothing written):`);
    for (const f of files) out.print(`  ${formatMode(f.mode)}  ${f.path}`);
    return;
  }

  out.progress('• generating a new key and certificate…');
  const keys = await generateRsaKeyPair(b.state.keySize ?? b.cert.publicKey.asymmetricKeyDetails?.modulusLength ?? 2048);
  const certPem = issueLeaf({ ca, publicKeyPem: keys.publicKeyPem, hosts: decision.hosts.map((h) => parseHost(h)), days, now, serial: randomBytes(16) });
  const cert = parseCert(certPem)!;
  // Nodes trust ca/ca.crt, not whatever signed: prove the new certificate chains to it before anything is replaced.
  if (!chainsTo(cert, b.caCert)) throw new FailError(`the new certificate does not chain to ${join(dir, BUNDLE_FILES.caCert)}; nothing was changed`);
  const backups = replaceFiles(dir, planRenewFiles(certPem, keys.privateKeyPem, state), now);
  const reloaded = opts.reload ? await runReload(dir, b, out) : false;
  const addedHosts = state ? state.hosts.filter((h) => !b.state.hosts.includes(h)) : [];
  report(out, { dir, b, cert, reason: decision.reason, addedHosts, backups, reloaded, stateChanged: state !== null });
}

/** A bundle whose key or chain is already wrong is not renewed quietly: --force replaces both. */
function assertRenewable(b: LoadedBundle, force: boolean): void {
  if (force) return;
  const file = (rel: string) => join(b.dir, rel);
  if (!b.key) throw new FailError(`${file(BUNDLE_FILES.key)} is missing; run renew --force to issue a new key and certificate`);
  if (!keyMatchesCert(b.cert, b.key)) {
    throw new FailError(`${file(BUNDLE_FILES.key)} does not match ${file(BUNDLE_FILES.cert)}; run renew --force to issue a new key and certificate`);
  }
  if (!chainsTo(b.cert, b.caCert)) {
    throw new FailError(`${file(BUNDLE_FILES.cert)} was not issued by ${file(BUNDLE_FILES.caCert)}; run renew --force to replace it with one that is`);
  }
}

/** The CA's key: the bundle's own, or an outside CA given by flags, which must be the CA the nodes already trust. */
function signingCa(b: LoadedBundle, opts: RenewOptions, now: Date, days: number): OutsideCa {
  if (opts.ca) {
    const ca = loadOutsideCa(opts.ca.certFile, opts.ca.keyFile, now, days);
    const given = parseCert(ca.certPem)!;
    const same = given.subject === b.caCert.subject && given.publicKey.equals(b.caCert.publicKey);
    if (!same) {
      throw new FailError(`--ca-cert ${opts.ca.certFile} is not the bundle's CA (${BUNDLE_FILES.caCert}); renew never switches CA, because every node trusts that one`);
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
  return { certPem: b.caCertPem, keyPem: b.caKeyPem };
}

async function runReload(dir: string, b: LoadedBundle, out: Output): Promise<boolean> {
  const args = reloadArgs(b.state.mode);
  if (!args) return false;
  out.progress(`• docker ${args.join(' ')}`);
  const r = await execa('docker', args, { cwd: dir, reject: false, stdin: 'ignore' });
  if (r.failed) {
    const why = String(r.stderr || r.stdout || r.shortMessage || '').trim().split('\n').pop();
    throw new FailError(`renewed, but the reload failed (${why}); run it yourself: ${reloadCommand(dir, b.state.mode)}`);
  }
  return true;
}

interface Renewed {
  dir: string;
  b: LoadedBundle;
  cert: X509Certificate;
  reason: string;
  addedHosts: string[];
  backups: string[];
  reloaded: boolean;
  stateChanged: boolean;
}

function report(out: Output, r: Renewed): void {
  const notAfter = new Date(r.cert.validTo).toISOString();
  const command = reloadCommand(r.dir, r.b.state.mode);
  if (out.isJson) {
    return out.json({ renewed: true, reason: r.reason, serial: r.cert.serialNumber, sans: certSans(r.cert), notAfter,
      addedHosts: r.addedHosts, backups: r.backups, stateUpdated: r.stateChanged, reloaded: r.reloaded, reloadCommand: command });
  }
  out.print(`${out.green('✔')} Renewed ${BUNDLE_FILES.cert} (${r.reason}): serial ${r.cert.serialNumber}, valid until ${isoDay(notAfter)}, for ${certSans(r.cert).join(', ')}`);
  out.print(`  The CA is unchanged, so nodes that trust ${BUNDLE_FILES.caCert} need nothing.`);
  if (r.stateChanged) out.print(`  ${BUNDLE_FILES.state} now records ${r.addedHosts.length ? `the new hosts (${r.addedHosts.join(', ')}) and ` : ''}the validity.`);
  out.print(`  Old files kept as: ${r.backups.map((p) => p.slice(r.dir.length + 1)).join(', ')}`);
  if (r.reloaded) out.print(`  The ${r.b.state.mode === 'proxy' ? 'nginx proxy reloaded' : 'registry restarted'}: it serves the new certificate.`);
  else if (command) out.print(`  The running registry still serves the old certificate until you run:\n    ${command}`);
}
