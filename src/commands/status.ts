import { resolve } from 'node:path';
import { assessBundle, mainAddress } from '../bundle/assess.js';
import { loadBundle } from '../bundle/load.js';
import { createOutput, type Output } from '../io/output.js';
import { probeRegistry, parseRegistryAddress } from '../io/probe.js';
import { parseWithin } from '../options/renew-options.js';
import { printStatus } from './status-print.js';

export interface StatusFlags {
  dir?: string;
  within?: string;
  probe?: boolean;
  registry?: string;
  json?: boolean;
}

export interface StatusDeps {
  now?: Date;
  out?: Output;
}

/** Reads the bundle, optionally probes the registry, prints the assessment; exit 1 when anything needs action. */
export async function status(flags: StatusFlags, deps: StatusDeps = {}): Promise<void> {
  const windowDays = parseWithin(flags.within);
  if (flags.registry !== undefined) parseRegistryAddress(flags.registry);
  const out = deps.out ?? createOutput({ json: flags.json });
  const dir = resolve(flags.dir ?? './registry');
  const bundle = loadBundle(dir);
  const probe = flags.probe || flags.registry
    ? await probeRegistry(flags.registry ?? mainAddress(bundle.state.hosts, bundle.state.port), bundle.caCertPem, bundle.state.mode !== 'insecure')
    : undefined;
  const report = assessBundle(bundle, deps.now ?? new Date(), windowDays, probe);
  if (out.isJson) out.json(report);
  else printStatus(out, report);
  if (!report.ok) process.exitCode = 1;
}
