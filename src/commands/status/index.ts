import { assessBundle } from '../../bundle/assess.js';
import { readComposeFacts } from '../../bundle/compose-facts.js';
import { readOptional } from '../../bundle/load.js';
import { BUNDLE_FILES } from '../../bundle/state.js';
import { openBundle } from '../../bundle/open.js';
import { createOutput, type Output } from '../../io/output.js';
import { probeRegistry } from '../../io/probe.js';
import { parseDir, parseWithin } from '../../options/values.js';
import { mainAddress, parseRegistryAddress } from '../../pki/hosts.js';
import { printStatus } from './report.js';
import { assessMirrors, probeUpstream } from '../../mirrors/status.js';
import { assessStorage } from '../../storage/storage-status.js';

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
  const dir = parseDir(flags.dir ?? './registry');
  const address = flags.registry === undefined ? undefined : parseRegistryAddress(flags.registry).address;
  const out = deps.out ?? createOutput({ json: flags.json });
  const bundle = openBundle(dir, out);
  const probe = flags.probe || address
    ? await probeRegistry(address ?? mainAddress(bundle.state.hosts, bundle.state.port), bundle.caCertPem, bundle.state.mode !== 'insecure')
    : undefined;
  // What runs is the compose file's image; the record's is only what was asked for.
  const image = readComposeFacts(readOptional(bundle.dir, BUNDLE_FILES.compose) ?? '').registryImage ?? bundle.state.image;
  const assessed = assessBundle(bundle, deps.now ?? new Date(), windowDays, probe, image);
  const mirrors = await assessMirrors(bundle.state, bundle.dir, Boolean(flags.probe || address) && {
    mirror: (at) => probeRegistry(at, bundle.caCertPem, true), upstream: (url) => probeUpstream(url),
  });
  const storage = await assessStorage(bundle.dir, bundle.state);
  const problems = [...assessed.problems, ...mirrors.problems, ...storage.problems];
  const report = {
    ...assessed, ...(bundle.state.mirrors && { mirrors: mirrors.mirrors }), storage: storage.storage, ...(storage.instances && { instances: storage.instances }),
    problems, ok: problems.length === 0,
  };
  if (out.isJson) out.json(report);
  else printStatus(out, report);
  if (!report.ok) process.exitCode = 1;
}
