import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { createLan, type Lan } from '../test/e2e/support/lan.js';
import { startMirror, startUpstream, type RunningRegistry } from '../test/e2e/support/mirror-fixture.js';
import { readBundleState } from '../src/bundle/read-state.js';
import { mirrorDataPath } from '../src/mirrors/services.js';
import { freePort } from '../test/e2e/support/net.js';
import { podmanPull } from '../test/e2e/support/node-pull.js';
import { buildOciLayout } from '../test/e2e/support/oci-image.js';
import { pushLayout } from '../test/e2e/support/skopeo.js';
import { row, type BenchRow } from './report.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const MIB = 1024 * 1024;

/**
 * Issue 11: a 50 MiB image pulled on a lan node through the bundle's docker.io mirror, cold (an
 * empty mirror, which fills itself from the upstream) and warm (the mirror has it), against the
 * same pull straight from the upstream. podman pulls, with a fresh store each time, so every pull
 * downloads the whole image; trust-node --mirrors wrote its registries.conf.d.
 */
export async function benchMirror(runs = 7): Promise<BenchRow[]> {
  const work = await mkdtemp(join(tmpdir(), 'rs-bench-mirror-'));
  let lan: Lan | undefined;
  let upstream: (RunningRegistry & { caFile: string }) | undefined;
  let mirror: RunningRegistry | undefined;
  try {
    lan = await createLan({ nodes: 1, name: 'mb' });
    const node = lan.nodes[0]!;
    upstream = await startUpstream(join(work, 'upstream'), lan.adminIp, await freePort());
    const layout = join(work, 'oci');
    await buildOciLayout(layout, 'v1', randomBytes(50 * MIB)); // incompressible: 50 MiB on the wire
    const certDir = join(work, 'certs');
    await mkdir(certDir);
    await copyFile(upstream.caFile, join(certDir, 'ca.crt'));
    const pushed = await pushLayout(layout, 'v1', `${upstream.address}/library/big:v1`, { certDir, timeoutMs: 300_000 });
    if (pushed.exitCode !== 0) throw new Error(`push to the upstream failed: ${pushed.stderr}`);

    const bundle = join(work, 'bundle');
    await execa(process.execPath, [CLI, 'init', '--dir', bundle, '--yes', '--host', lan.adminIp, '--port', String(await freePort()),
      '--mirror', `docker.io=https://${upstream.address}`, '--mirror-port', String(await freePort())]);
    const [record] = readBundleState(bundle).mirrors!;
    const ssh = ['--identity', lan.identityFile, '--ssh-option', 'IdentitiesOnly=yes', '--ssh-option', `UserKnownHostsFile=${lan.knownHostsFile}`, '--ssh-option', 'GlobalKnownHostsFile=/dev/null'];
    await execa(process.execPath, [CLI, 'trust-node', '--dir', bundle, '--runtime', 'podman', `root@${node.ip}`, ...ssh]);
    // The direct reference: podman trusts the upstream's own CA.
    await node.exec(`mkdir -p /etc/containers/certs.d/${upstream.address}`);
    await node.writeFile(`/etc/containers/certs.d/${upstream.address}/ca.crt`, await readFile(upstream.caFile, 'utf8'));

    const freshMirror = async (): Promise<void> => {
      await mirror?.stop();
      await rm(join(bundle, mirrorDataPath(record!)), { recursive: true, force: true }); // an empty cache
      await mkdir(join(bundle, mirrorDataPath(record!)), { recursive: true });
      mirror = await startMirror(bundle, record!, upstream!.caFile);
    };
    const pull = async (ref: string): Promise<number> => {
      const t0 = performance.now();
      const r = await podmanPull(node, ref);
      if (r.exitCode !== 0) throw new Error(`podman pull ${ref} failed: ${r.stderr}`);
      return performance.now() - t0;
    };
    const viaMirror = 'docker.io/library/big:v1';
    const direct = `${upstream.address}/library/big:v1`;
    await freshMirror();
    await pull(viaMirror); // warm-up: page cache, podman's first start
    await pull(direct);
    const cold: number[] = [];
    const warm: number[] = [];
    const ref: number[] = [];
    for (let i = 0; i < runs; i++) {
      await freshMirror();
      cold.push(await pull(viaMirror));
      warm.push(await pull(viaMirror));
      ref.push(await pull(direct));
    }
    const note = `medians of ${runs} interleaved runs; podman on a lan node, fresh store each pull; 50 MiB incompressible layer`;
    return [
      row('mirror: warm pull vs direct from the upstream', 'podman pull docker.io/… through the mirror, cached', warm, 'podman pull straight from the upstream', ref, 1.0, note),
      // The issue asks only to report the cold ratio.
      row('mirror: cold pull vs direct from the upstream', 'podman pull docker.io/… through an empty mirror', cold, 'podman pull straight from the upstream', ref, null, note),
    ];
  } finally {
    await mirror?.stop();
    await upstream?.stop();
    await lan?.destroy();
    await rm(work, { recursive: true, force: true });
  }
}
