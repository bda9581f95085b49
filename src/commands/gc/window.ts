import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, FailError } from '../../errors.js';
import { BUNDLE_FILES, type BundleState } from '../../bundle/state.js';
import { commitChange } from '../../io/bundle-writer.js';
import { PUBLIC, type WrittenFile } from '../../io/file-plan.js';
import { currentGeneration } from '../../io/generations.js';
import { onInterrupt } from '../../io/interrupt.js';
import type { Output } from '../../io/output.js';
import { checkpoint, StoppedError, watchStopRequests, type StopRequests } from '../../io/stop-request.js';
import { describeLeave, leaveMaintenance, type LeaveResult } from '../../maintenance/leave.js';
import { CONTAINER_READONLY_CONFIG, pointUpstreamAt, READONLY_CONFIG, readonlyContainerName, readonlyUpstream, readOnlyConfig } from '../../maintenance/readonly-config.js';
import { MAINTENANCE_FILE, newRecord, reached, removeRecord, writeRecord, type Step } from '../../maintenance/record.js';
import type { StackControl } from '../../stack/stack-control.js';
import { restartRegistry } from '../../stack/restart-registry.js';
import type { OutageProbe } from '../../stack/outage-probe.js';
import { collect, type Collected } from './collect.js';
import type { GcPlan } from './plan.js';
import { startClientProbe } from './client-probe.js';

/** Uploads in flight through nginx's old workers get this long to finish before gc gives up (and changes nothing). */
const ENTER_DRAIN_MS = 120_000;
const ANSWER_MS = 60_000;

export interface GcContext {
  dir: string;
  state: BundleState;
  plan: GcPlan;
  stack: StackControl;
  out: Output;
  storageRoot: string | null;
}

export interface WindowResult extends Collected {
  /** From the switch to read-only until the switch back began. */
  readOnlyMs: number;
  /** restart mode: each time clients could not connect, as one of them saw it; proxy mode: null (nginx never stops). */
  outagesMs: number[] | null;
}

/**
 * gc on a running stack: writes are held off (maintenance/ says how, per mode), the
 * storage is collected, and the way back runs whatever happened (done, failed,
 * Ctrl-C). The record of how far it got is on disk throughout, so a kill leaves the
 * next command able to finish the way back.
 */
export async function collectReadOnly(ctx: GcContext): Promise<WindowResult> {
  const { dir, plan, stack, out } = ctx;
  const container = readonlyContainerName(dir);
  const files = maintenanceFiles(dir, plan, container); // may refuse: before anything changes
  if (plan.switch === 'proxy' && !stack.isRunning('nginx')) {
    throw new FailError('nginx is not running, so there is nothing to send pulls to a read-only registry: start the stack (docker compose up -d), or stop it all for an offline gc');
  }
  const probe = plan.switch === 'restart' ? await startClientProbe(ctx.state) : null;
  let record = { ...newRecord(plan.mode, currentGeneration(dir)!, new Date()), ...(plan.switch === 'proxy' && { readonlyContainer: container }) };
  const step = (s: Step) => writeRecord(dir, (record = { ...record, step: s }));
  writeRecord(dir, record);
  const forgetRecord = onInterrupt(() => removeRecord(dir)); // until the commit, a signal ends the command: nothing else changed
  const stops = watchStopRequests();
  let collected: Collected | null = null;
  let failure: unknown = null;
  let readOnlyAt = Date.now();
  try {
    step('switching');
    await commitChange(dir, { files }, { now: new Date(), random: (n) => randomBytes(n) });
    forgetRecord();
    readOnlyAt = plan.switch === 'proxy' ? await switchToReadOnlyInstance(ctx, container, stops) : await restartReadOnly(ctx, probe!);
    await checkpoint(stops, 'before garbage-collect started');
    step('collecting');
    out.progress('• removing repositories with no tag, then garbage-collect…');
    collected = collect(ctx.storageRoot, false, (file) => stack.exec('registry', ['registry', ...plan.args], { stdoutFile: file }));
  } catch (err) {
    failure = err;
  }
  forgetRecord();
  try {
    const left = leaveSafely(ctx, record, failure);
    const writableAt = left.writableAt ?? Date.now();
    if (probe && reached(record, 'switching')) await probe.waitUp(Date.now(), ANSWER_MS);
    const outages = probe ? (await probe.stop()).outagesMs : null;
    if (failure instanceof StoppedError) throw new StoppedError(failure.signal, `${whenStopped(record)}; ${describeLeave(left, record.returnTo)}`);
    if (failure) throw new FailError(`gc failed: ${messageOf(failure)}; ${describeLeave(left, record.returnTo)}, so nothing is left read-only`);
    return { ...collected!, readOnlyMs: writableAt - readOnlyAt, outagesMs: outages };
  } finally {
    stops.dispose();
    await probe?.stop();
  }
}

/** The way back; if it fails too, the record stays for the next command, and the line says both. */
function leaveSafely(ctx: GcContext, record: Parameters<typeof leaveMaintenance>[1], failure: unknown): LeaveResult {
  try {
    // gc checked nginx before anything changed; if it died since, the reload fails and the record stays for a retry.
    return leaveMaintenance(ctx.dir, record, ctx.stack, (line) => ctx.out.progress(line), { nginxRunning: ctx.plan.switch === 'proxy' ? true : undefined });
  } catch (err) {
    const first = failure ? `gc failed (${messageOf(failure)}), and ` : '';
    throw new FailError(`${first}putting the stack back failed: ${messageOf(err)}; ${MAINTENANCE_FILE} stays, so the next registry-setup command (status, say) tries again`);
  }
}

/** The files of the read-only generation: derived from the live ones, so hand edits (and the storage) carry over. */
function maintenanceFiles(dir: string, plan: GcPlan, container: string): WrittenFile[] {
  const read = (rel: string) => readFileSync(join(dir, rel), 'utf8');
  const config = readOnlyConfig(read(BUNDLE_FILES.config), BUNDLE_FILES.config);
  if (plan.switch === 'restart') return [{ path: BUNDLE_FILES.config, contents: config, mode: PUBLIC }];
  return [
    { path: READONLY_CONFIG, contents: config, mode: PUBLIC },
    { path: BUNDLE_FILES.nginx, contents: pointUpstreamAt(read(BUNDLE_FILES.nginx), container, BUNDLE_FILES.nginx), mode: PUBLIC },
  ];
}

/** proxy: a read-only instance on the same storage; once it answers, nginx sends every request there. */
async function switchToReadOnlyInstance({ stack, out }: GcContext, container: string, stops: StopRequests): Promise<number> {
  out.progress(`• starting a read-only registry (${container}) on the same storage…`);
  stack.startExtra(container, 'registry', ['serve', CONTAINER_READONLY_CONFIG]);
  stack.waitUntilAnswers('nginx', `http://${readonlyUpstream(container)}/v2/`, ANSWER_MS);
  await checkpoint(stops, 'before nginx was switched');
  out.progress('• nginx onto it (graceful reload), waiting for requests in flight on the registry to finish…');
  const at = Date.now();
  stack.reloadNginx({ check: true, drain: { timeoutMs: ENTER_DRAIN_MS, onWait: (n, ms) => out.progress(`  still ${n} old nginx worker(s) busy after ${Math.round(ms / 1000)} s`) } });
  return at;
}

/** tls/insecure: nothing is in front, so the registry itself restarts read-only; the probe sees it answer again. */
async function restartReadOnly({ stack, out }: GcContext, probe: OutageProbe): Promise<number> {
  out.progress('• restarting the registry read-only…');
  const at = Date.now();
  restartRegistry(stack);
  // Only an answer to a request sent after the restart returned is the new instance's: the old one is gone by then.
  await probe.waitUp(Date.now(), ANSWER_MS);
  return at;
}

const whenStopped = (r: Parameters<typeof reached>[0]) => (reached(r, 'collecting') ? 'while garbage-collect ran (blobs it had deleted stay deleted)' : 'before garbage-collect started');

const messageOf = (err: unknown) => (err instanceof CliError || err instanceof Error ? err.message : String(err));
