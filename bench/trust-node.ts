import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { createLan, type Lan, type LanNode } from '../test/e2e/support/lan.js';
import { median, row, type BenchRow } from './report.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const PORT = 5000;

/**
 * trust-node on ten namespace nodes (real sshd each) against one node alone and against
 * ten parallel `ssh 'mkdir -p … && cat > …/ca.crt'` one-liners, the least any tool must do.
 * Every timed run starts from an untrusted node (reset outside the timing), so each does
 * real work; second runs, where nothing changes, are reported on their own row.
 */
export async function benchTrustNode(runs = 7): Promise<BenchRow[]> {
  const work = mkdtempSync(join(tmpdir(), 'rs-bench-trust-'));
  let lan: Lan | undefined;
  try {
    lan = await createLan({ nodes: 10, name: 'tnb' });
    const bundle = join(work, 'bundle');
    await execa(process.execPath, [CLI, 'init', '--dir', bundle, '--yes', '--host', lan.adminIp, '--port', String(PORT), '--json']);
    const ssh = ['--identity', lan.identityFile, '--ssh-option', 'IdentitiesOnly=yes', '--ssh-option', `UserKnownHostsFile=${lan.knownHostsFile}`,
      '--ssh-option', 'GlobalKnownHostsFile=/dev/null'];
    const nodes = lan.nodes;
    const reset = async (): Promise<void> => {
      await Promise.all(nodes.map((n) => n.exec('rm -rf /etc/docker/certs.d /var/lib/registry-setup/trust')));
    };
    const trust = async (targets: LanNode[], expect: 'changed' | 'unchanged'): Promise<number> => {
      const t0 = performance.now();
      const r = await execa(process.execPath, [CLI, 'trust-node', '--dir', bundle, ...targets.map((n) => `root@${n.ip}`), ...ssh, '--json'], { reject: false });
      const ms = performance.now() - t0;
      const hosts = r.exitCode === 0 ? (JSON.parse(r.stdout).hosts as Array<{ result: string }>) : [];
      if (hosts.length !== targets.length || hosts.some((h) => h.result !== expect)) {
        throw new Error(`trust-node did not report ${expect} on every node (exit ${r.exitCode}): ${r.stdout} ${r.stderr}`);
      }
      return ms;
    };
    const oneLiners = (): Promise<number> => lan!.parallelOneLiners(join(bundle, 'ca/ca.crt'), `${lan!.adminIp}:${PORT}`);

    // Warm-up: page cache, sshd's first forks.
    await reset();
    await trust(nodes, 'changed');
    await oneLiners();
    const ten: number[] = [];
    const one: number[] = [];
    const again: number[] = [];
    const ref: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Interleaved, so drift in machine load hits every side alike.
      await reset();
      ten.push(await trust(nodes, 'changed'));
      again.push(await trust(nodes, 'unchanged'));
      await reset();
      one.push(await trust(nodes.slice(0, 1), 'changed'));
      await reset();
      ref.push(await oneLiners());
    }
    const note = `medians of ${runs} interleaved runs; whole CLI process (node start, bundle read, ssh, report); 10 nodes ${fmt(median(ten))}, 1 node ${fmt(median(one))}`;
    return [
      row('trust-node: 10 nodes vs parallel ssh one-liners', 'trust-node, 10 nodes, certs mode (each node untrusted before)', ten,
        '10 parallel ssh mkdir -p + cat > ca.crt one-liners', ref, 1.3, note),
      row('trust-node: 10 nodes vs 1 node', 'trust-node, 10 nodes', ten, 'trust-node, 1 node', one, 4, note),
      row('trust-node second run (nothing to change) vs one-liners', 'trust-node, 10 nodes, already trusted', again,
        '10 parallel ssh mkdir -p + cat > ca.crt one-liners', ref, 1.3, 'second runs verify and change nothing'),
    ];
  } finally {
    await lan?.destroy();
    rmSync(work, { recursive: true, force: true });
  }
}

const fmt = (ms: number): string => `${ms.toFixed(0)} ms`;
