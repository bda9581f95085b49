import { readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, fsyncDir } from '../io/atomic-write.js';
import { isGenerationName } from '../bundle/layout.js';

/**
 * While gc holds a bundle read-only, this file says so, and how to undo it: the
 * generation to return to and how far the switch got. It is written (atomically)
 * before anything changes and removed only after everything is back, so a command
 * killed at any instant leaves it behind for the next one, whose sweep undoes the
 * rest (maintenance/restore.ts). It lives beside .gen, not in a generation, because
 * it must outlive the switch back to the generation it names.
 */
export const MAINTENANCE_FILE = '.maintenance';

/**
 * How far gc got; each step is recorded before it is taken, so a kill during one
 * leaves the record naming it:
 * - begin: nothing changed yet;
 * - switching: the read-only generation may be committed, and the stack may already
 *   serve it (nginx on the read-only instance, or the registry restarted read-only);
 * - collecting: empty repositories and blobs may be being deleted, so the registry
 *   that takes writes afterwards must be restarted (its blob-descriptor cache may
 *   still name deleted blobs);
 * - restarted: (proxy) that restart is done.
 */
export const STEPS = ['begin', 'switching', 'collecting', 'restarted'] as const;
export type Step = (typeof STEPS)[number];

export interface MaintenanceRecord {
  operation: 'gc';
  mode: 'tls' | 'proxy' | 'insecure';
  /** The generation whose config is the normal one: the switch back makes it current again. */
  returnTo: string;
  /** proxy: the read-only instance's container, which nginx names while the window lasts. */
  readonlyContainer?: string;
  step: Step;
  pid: number;
  host: string;
  startedAt: string;
}

export const reached = (r: MaintenanceRecord, step: Step): boolean => STEPS.indexOf(r.step) >= STEPS.indexOf(step);

export function newRecord(mode: MaintenanceRecord['mode'], returnTo: string, now: Date): MaintenanceRecord {
  return { operation: 'gc', mode, returnTo, step: 'begin', pid: process.pid, host: hostname(), startedAt: now.toISOString() };
}

export function writeRecord(dir: string, record: MaintenanceRecord): void {
  writeFileAtomic(join(dir, MAINTENANCE_FILE), `${JSON.stringify(record, null, 2)}\n`, 0o600);
}

/** The record, or null when there is none; one that cannot be read is an error naming the file. */
export function readRecord(dir: string): MaintenanceRecord | null {
  let text: string;
  try {
    text = readFileSync(join(dir, MAINTENANCE_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const r = JSON.parse(text) as Partial<MaintenanceRecord>;
  const valid = r.operation === 'gc' && ['tls', 'proxy', 'insecure'].includes(r.mode as string) && typeof r.returnTo === 'string'
    && isGenerationName(r.returnTo) && (STEPS as readonly string[]).includes(r.step as string);
  if (!valid) throw new Error(`${join(dir, MAINTENANCE_FILE)} is not a maintenance record registry-setup wrote`);
  return r as MaintenanceRecord;
}

export function removeRecord(dir: string): void {
  rmSync(join(dir, MAINTENANCE_FILE), { force: true });
  fsyncDir(dir);
}
