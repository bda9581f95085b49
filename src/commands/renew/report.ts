import type { X509Certificate } from 'node:crypto';
import { FailError } from '../../errors.js';
import { GEN_DIR } from '../../bundle/layout.js';
import type { LoadedBundle } from '../../bundle/load.js';
import { reloadArgs, reloadCommand, reloadStack } from '../../bundle/reload.js';
import { tlsMirrors, type TlsMirror } from '../../mirrors/render.js';
import { createComposeStack } from '../../stack/compose-stack.js';
import { StackError, type StackControl } from '../../stack/stack-control.js';
import { BUNDLE_FILES, type Mode } from '../../bundle/state.js';
import type { CommitResult } from '../../io/bundle-writer.js';
import { describePlan, formatMode, type PlannedFile } from '../../io/file-plan.js';
import type { Output } from '../../io/output.js';
import { isoDay } from '../../pki/dates.js';
import { certSans } from '../../pki/inspect.js';
import { probeRegistry } from '../../io/probe.js';

interface Summary {
  reason: string;
  hosts: string[];
  days: number;
}

/** "Nothing to do" exits 0: a timer must never report a failure for it. */
export function printNothingToDo(out: Output, b: LoadedBundle, due: Date, windowDays: number): void {
  const notAfter = new Date(b.cert.validTo);
  if (out.isJson) return out.json({ renewed: false, notAfter: notAfter.toISOString(), due: due.toISOString() });
  out.print(`Nothing to do: ${BUNDLE_FILES.cert} is valid until ${isoDay(notAfter)}; renewal is due on ${isoDay(due)} (window ${windowDays} days).`);
}

export function printRenewDryRun(out: Output, s: Summary, files: PlannedFile[]): void {
  if (out.isJson) return out.json({ dryRun: true, ...s, files: describePlan(files) });
  out.print(`Would issue a ${s.days}-day certificate (${s.reason}) for ${s.hosts.join(', ')}, and replace as one (nothing written):`);
  for (const f of files) out.print(`  ${formatMode(f.mode)}  ${f.path}`);
}

/** What renew checks after a reload: the new certificate, served at the bundle's main address. */
export interface Served {
  address: string;
  caPem: string;
  fingerprint256: string;
}

/**
 * Runs the reload (the registry restarts; nginx reloads gracefully), then waits until the
 * new certificate is what a new connection gets: `docker compose` returns before nginx's
 * new workers (or a restarted registry) take connections. Fails with what to run.
 */
export async function runReload(dir: string, mode: Mode, recreate: boolean, served: Served, out: Output,
  stack: StackControl = createComposeStack(dir), mirrors: readonly TlsMirror[] = []): Promise<boolean> {
  const args = reloadArgs(dir, mode, recreate, mirrors);
  if (!args) return false;
  out.progress(`• docker ${args.join(' ')}`);
  try {
    reloadStack(stack, mode, recreate, mirrors);
  } catch (err) {
    if (!(err instanceof StackError)) throw err;
    throw new FailError(`renewed, but the reload failed (${err.why}); run it yourself: ${reloadCommand(dir, mode, recreate, mirrors)}`);
  }
  await waitUntilServed(served, out);
  return true;
}

async function waitUntilServed(s: Served, out: Output): Promise<void> {
  // While the old certificate is served, wait up to 15 s; while nothing answers (a registry
  // starting, or an address this host cannot reach), wait 3 s, then leave it to status --probe.
  const start = Date.now();
  for (;;) {
    const seen = await probeRegistry(s.address, s.caPem, true, 2000);
    if (seen.servedFingerprint256 === s.fingerprint256) return;
    const old = seen.servedFingerprint256 !== undefined;
    if (Date.now() - start > (old ? 15_000 : 3_000)) {
      if (old) out.warn(`the reload ran, but ${s.address} still serves the old certificate; check with: registry-setup status --probe`);
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Renewed {
  b: LoadedBundle;
  cert: X509Certificate;
  result: CommitResult;
  summary: Summary;
  stateChanged: boolean;
  converted: boolean;
  reloaded: boolean;
}

export function printRenewed(out: Output, r: Renewed): void {
  const { b } = r;
  const notAfter = new Date(r.cert.validTo).toISOString();
  const command = reloadCommand(b.dir, b.state.mode, r.converted, tlsMirrors(b.state));
  const addedHosts = r.summary.hosts.filter((h) => !b.state.hosts.includes(h));
  const previous = r.result.previous && `${GEN_DIR}/${r.result.previous}`;
  if (out.isJson) {
    return out.json({ renewed: true, reason: r.summary.reason, serial: r.cert.serialNumber, sans: certSans(r.cert), notAfter,
      addedHosts, previous, ...(b.token && { tokenCertRenewed: true }), stateUpdated: r.stateChanged, converted: r.converted, reloaded: r.reloaded, reloadCommand: command });
  }
  out.print(`${out.green('✔')} Renewed ${BUNDLE_FILES.cert} (${r.summary.reason}): serial ${r.cert.serialNumber}, valid until ${isoDay(notAfter)}, for ${certSans(r.cert).join(', ')}`);
  out.print(`  The CA is unchanged, so nodes that trust ${BUNDLE_FILES.caCert} need nothing.`);
  if (b.token) out.print(`  ${BUNDLE_FILES.tokenCert}, the token-signing certificate, is renewed too (same key); docker_auth reloads it by itself.`);
  if (r.stateChanged) out.print(`  ${BUNDLE_FILES.state} now records ${addedHosts.length ? `the new hosts (${addedHosts.join(', ')}) and ` : ''}the validity.`);
  if (previous) out.print(`  The previous files are kept as ${previous}/.`);
  if (r.converted) out.print(`  The bundle now keeps its files in generations (${GEN_DIR}/); docker-compose.yml was rewritten for it, so the containers must be recreated once.`);
  if (r.reloaded) out.print(`  ${r.converted ? 'Containers recreated' : b.state.mode === 'proxy' ? 'The nginx proxy reloaded' : 'The registry restarted'}: it serves the new certificate.`);
  else if (command) out.print(`  The running registry still serves the old certificate until you run:\n    ${command}`);
}
