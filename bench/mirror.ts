import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { startService, type ServiceHandle } from '../test/e2e/support/compose-stack.js';
import { freePort } from '../test/e2e/support/net.js';
import { buildOciLayout } from '../test/e2e/support/oci-image.js';
import { pullToLayout, pushLayout } from '../test/e2e/support/skopeo.js';
import { interleave, row, type BenchRow } from './report.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const IMAGE_MIB = 50;

/**
 * A 50 MiB image (one incompressible layer) pulled with skopeo from this host (the
 * admin host, not a LAN node: the LAN is another suite's), three ways:
 * straight from the upstream, a registry 3.1.1 with its own CA; through the bundle's
 * docker.io mirror with an empty cache (cold: the mirror fetches while it serves);
 * and through the same mirror once it holds the image (warm). The mirror is the
 * generated service run natively by registry 3.1.1, trusting the upstream's CA with
 * SSL_CERT_FILE. Targets: warm no slower than direct (≤ 1.0); cold is reported
 * against a loose 2.0.
 */
export async function benchMirror(runs = 9): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'rs-bench-mirror-'));
  const services: ServiceHandle[] = [];
  try {
    const upPort = await freePort();
    const upstream = join(root, 'upstream');
    await execa(process.execPath, [CLI, 'init', '--dir', upstream, '--host', '127.0.0.1', '--port', String(upPort), '--yes']);
    const config = realpathSync(join(upstream, 'config.yml'));
    // Open for pulls, as a public upstream is.
    writeFileSync(config, readFileSync(config, 'utf8').replace(/^# The registry re-reads.*\nauth:\n(?: {2}.*\n)+/m, ''));
    services.push(await startService(upstream, 'registry', { registryMajor: 3 }));
    const upTrust = join(root, 'up-trust');
    mkdirSync(upTrust);
    copyFileSync(join(upstream, 'ca/ca.crt'), join(upTrust, 'ca.crt'));
    const layout = join(root, 'layout');
    const big = await buildOciLayout(layout, 'big', randomBytes(IMAGE_MIB * 1024 * 1024));
    const pushed = await pushLayout(layout, 'big', `127.0.0.1:${upPort}/library/big:latest`, { certDir: upTrust, timeoutMs: 300_000 });
    if (pushed.exitCode !== 0) throw new Error(`push to the upstream: ${pushed.stderr}`);

    const mirrorPort = await freePort();
    const bundle = join(root, 'bundle');
    await execa(process.execPath, [CLI, 'init', '--dir', bundle, '--host', '127.0.0.1', '--port', String(await freePort()), '--yes',
      '--mirror', `docker.io=https://127.0.0.1:${upPort}`, '--mirror-port', String(mirrorPort)]);
    const trust = join(root, 'trust');
    mkdirSync(trust);
    copyFileSync(join(bundle, 'ca/ca.crt'), join(trust, 'ca.crt'));
    const startMirror = async () => {
      const s = await startService(bundle, 'mirror-docker-io', { registryMajor: 3, extraEnv: { SSL_CERT_FILE: join(upstream, 'ca/ca.crt') } });
      services.push(s);
      return s;
    };
    let mirror = await startMirror();

    let n = 0;
    const pull = async (address: string, certDir: string, ref = 'latest'): Promise<number> => {
      const dest = join(root, `pull-${++n}`);
      const start = performance.now();
      const r = await pullToLayout(`${address}/library/big${ref.startsWith('sha256:') ? '@' : ':'}${ref}`, dest, 'big', { certDir, timeoutMs: 300_000 });
      const ms = performance.now() - start;
      if (r.exitCode !== 0) throw new Error(`pull from ${address}: ${r.stderr}`);
      rmSync(dest, { recursive: true, force: true });
      return ms;
    };
    const direct = () => pull(`127.0.0.1:${upPort}`, upTrust);
    const cold = async () => {
      // An empty cache each time: the mirror stopped, its cache emptied, started again (not timed).
      await mirror.stop();
      rmSync(join(bundle, 'mirror-data/docker-io'), { recursive: true, force: true });
      mkdirSync(join(bundle, 'mirror-data/docker-io'));
      mirror = await startMirror();
      return pull(`127.0.0.1:${mirrorPort}`, trust);
    };
    const warm = () => pull(`127.0.0.1:${mirrorPort}`, trust);
    // By digest the mirror answers from its cache alone; by tag it first asks the upstream what the tag is now.
    const warmByDigest = () => pull(`127.0.0.1:${mirrorPort}`, trust, big.manifestDigest);
    const directByDigest = () => pull(`127.0.0.1:${upPort}`, upTrust, big.manifestDigest);

    const [coldMs, directForCold] = await interleave(runs, cold, direct);
    await warm(); // the cache holds the image from the last cold pull; one more to settle
    const [warmMs, directForWarm] = await interleave(runs, warm, direct);
    const [warmDigestMs, directDigestMs] = await interleave(runs, warmByDigest, directByDigest);
    const what = `skopeo copy of a ${IMAGE_MIB} MiB image from this host (not a LAN node)`;
    return [
      row('mirror: warm pull through the cache vs straight from the upstream', `${what}, through the mirror, cached`, warmMs, `${what}, from the upstream`, directForWarm, 1.0,
        'by tag: the mirror first asks the upstream (here on loopback, the best case for a direct pull) what the tag points at now'),
      row('mirror: warm pull by digest vs the same from the upstream', `${what} by digest, through the mirror, cached`, warmDigestMs, `${what} by digest, from the upstream`, directDigestMs, 1.0),
      row('mirror: cold pull (the mirror fetches as it serves) vs straight from the upstream', `${what}, through the mirror, empty cache`, coldMs, `${what}, from the upstream`, directForCold, null),
    ];
  } finally {
    for (const s of services.reverse()) await s.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
