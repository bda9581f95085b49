import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { CLI } from '../test/e2e/support/cli.js';
import { startEngine } from '../test/e2e/support/engine.js';
import { buildImages, IMAGES, pullTarget, upBundle } from '../test/e2e/support/gc-fixture.js';
import { startPullLoop } from '../test/e2e/support/pull-loop.js';
import { median, type BenchRow } from './report.js';

/**
 * gc's availability, under the bundle's real compose file in a private engine: pulls
 * run all through gc (four loops of manifest and blob GETs, as docker clients send
 * them), and each run first deletes an image so there is something to collect.
 * proxy mode: pulls that failed (target 0). tls mode: how long clients could not
 * connect, in all, as gc measured it (target under 2 s).
 */
export async function benchGc(runs = 3): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'rs-bench-gc-'));
  const engine = await startEngine(IMAGES, '10.184.0.0/16');
  try {
    const images = await buildImages(root);
    const rows: BenchRow[] = [];
    for (const mode of ['proxy', 'tls'] as const) {
      const b = await upBundle(engine, root, mode, mode);
      if ((await b.reg.push(images.layout, 'keep', 'demo/keep')).exitCode !== 0) throw new Error(`${mode}: the first push failed`);
      const durations: number[] = [];
      const windows: number[] = [];
      const readOnly: number[] = [];
      let attempts = 0;
      let failed = 0;
      const seen: number[] = [];
      for (let i = 0; i < runs; i++) {
        if ((await b.reg.push(images.layout, 'gone', 'demo/gone')).exitCode !== 0) throw new Error(`${mode}: push failed`);
        await b.reg.remove('demo/gone', 'gone');
        const loop = startPullLoop(pullTarget(b, images));
        const started = Date.now();
        // compose v1 answers each call in about a second here: a gc takes half a minute, more than runCli's limit.
        const r = await execa(process.execPath, [CLI, 'gc', '--dir', b.dir, '--yes', '--json'], { env: engine.env, reject: false, timeout: 300_000 });
        durations.push(Date.now() - started);
        const stats = await loop.stop();
        if (r.exitCode !== 0) throw new Error(`${mode}: gc failed (exit ${r.exitCode}, ${r.signal ?? 'no signal'}): ${r.stderr}`);
        const json = JSON.parse(r.stdout) as { unavailableMs: number | null; readOnlyMs: number };
        attempts += stats.attempts;
        failed += stats.failures.length;
        seen.push(...stats.spans);
        windows.push(json.unavailableMs ?? 0);
        readOnly.push(json.readOnlyMs);
      }
      const ms = (xs: number[]) => xs.map((x) => `${(x / 1000).toFixed(2)} s`).join(', ');
      rows.push(mode === 'proxy'
        ? {
          name: 'gc, proxy mode: pulls that failed while it ran', ours: `${attempts} pulls during ${runs} gc runs`, oursMedianMs: median(durations),
          reference: 'none may fail', referenceMedianMs: 0, ratio: failed, target: 0,
          note: `${failed} of ${attempts} pulls failed; gc took ${ms(durations)}, read-only for ${ms(readOnly)}`,
        }
        : {
          name: 'gc, tls mode: time clients could not connect (two restarts)', ours: 'gc --yes, as its probe measured', oursMedianMs: median(windows),
          reference: 'the 2 s budget', referenceMedianMs: 2000, ratio: median(windows) / 2000, target: 1,
          note: `per run ${ms(windows)}; the pull loop: ${failed} of ${attempts} failed, in outages of ${ms(seen)}; read-only for ${ms(readOnly)}`,
        });
      await engine.compose(b.dir, ['down']);
    }
    return rows;
  } finally {
    await engine.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
