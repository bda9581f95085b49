import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import type { Engine } from './support/engine.js';
import { startCli, stepOf } from './support/gc-run.js';
import { pullTarget, type RunningBundle } from './support/gc-fixture.js';
import { expectNormal, readonlyContainers, useBundle, useEngine } from './support/gc-expect.js';
import { startPullLoop } from './support/pull-loop.js';
import { canRunPeers } from './support/require-peers.js';

/**
 * gc killed (SIGKILL to it and its docker children, as systemd or a closed terminal
 * would) at each step of its read-only window: the next command, here `status`, puts
 * the config and the stack back and says so in one line; the registry takes pushes
 * again. In proxy mode pulls run through the restore too, and none fails.
 */
const PEERS = ['dockerd', 'docker', 'docker-compose', 'skopeo', 'openssl', 'xz', 'busybox'];

/** Where gc is killed: each a state of its window as the disk and the engine show it. */
type Point = [string, (b: RunningBundle, g0: string, engine: Engine) => boolean | Promise<boolean>];
const recorded = (step: string): Point[1] => (b) => stepOf(b.dir) === step;
const POINTS: Record<'proxy' | 'tls', Point[]> = {
  proxy: [
    ['the step recorded, nothing switched yet', recorded('switching')],
    ['the read-only generation committed', (b, g0) => b.current() !== g0],
    ['the read-only instance started', async (_b, _g0, engine) => (await readonlyContainers(engine)).length > 0],
    ['garbage-collect running', recorded('collecting')],
    ['the registry restarted, nginx not yet back', recorded('restarted')],
  ],
  tls: [
    ['the step recorded, nothing switched yet', recorded('switching')],
    ['the read-only generation committed', (b, g0) => b.current() !== g0],
    ['garbage-collect running', recorded('collecting')],
  ],
};

describe.skipIf(!canRunPeers(PEERS))('gc killed mid-way: the next command restores', () => {
  const env = useEngine('rs-gc-kill-', '10.182.0.0/16');

  describe.each(['proxy', 'tls'] as const)('%s mode', (mode) => {
    const bundle = useBundle(env, `kill-${mode}`, mode, async (b) => {
      if ((await b.reg.push(env.images().layout, 'keep', 'demo/keep')).exitCode !== 0) throw new Error('the first push failed');
    });

    it.each(POINTS[mode])('killed with %s', async (point, check) => {
      const [b, engine, images] = [bundle(), env.engine(), env.images()];
      expect((await b.reg.push(images.layout, 'gone', 'demo/gone')).exitCode).toBe(0);
      await b.reg.remove('demo/gone', 'gone');
      const g0 = b.current();
      const gc = startCli(['gc', '--dir', b.dir, '--yes'], engine.env);
      await gc.reached(point, () => check(b, g0, engine));
      gc.signalGroup('SIGKILL');
      const killed = await gc.run;
      expect(killed.signal ?? killed.exitCode, killed.stderr).toBe('SIGKILL');
      expect(stepOf(b.dir), 'the record a killed gc leaves').not.toBeNull();

      const loop = mode === 'proxy' ? startPullLoop(pullTarget(b, images)) : null;
      const status = await runCli(['status', '--dir', b.dir], { env: engine.env });
      const stats = await loop?.stop();
      expect(status.exitCode, `${status.stdout}\n${status.stderr}`).toBe(0);
      const lines = status.stderr.split('\n').filter(Boolean);
      expect(lines, 'one line says what was undone').toEqual([expect.stringMatching(/^warning: an interrupted run left .* unfinished .*undid an interrupted gc's read-only window: /)]);
      console.log(`${mode}, killed with ${point}: ${lines[0]}${stats ? `; pulls meanwhile: ${stats.attempts}, failed ${stats.failures.length}` : ''}`);
      if (stats) expect(stats.failures, 'pulls while the next command restored').toEqual([]);
      await expectNormal(engine, b, g0);
      // Writable again, and the second command has nothing left to do.
      expect((await b.reg.push(images.layout, 'keep', `demo/after-${POINTS[mode].findIndex(([p]) => p === point)}`)).exitCode).toBe(0);
      const again = await runCli(['status', '--dir', b.dir], { env: engine.env });
      expect(again.stderr).toBe('');
    });

    it('Ctrl-C once the read-only generation is committed: gc stops before garbage-collect and puts everything back (exit 130)', async () => {
      const [b, engine] = [bundle(), env.engine()];
      const g0 = b.current();
      const gc = startCli(['gc', '--dir', b.dir, '--yes'], engine.env);
      await gc.reached('the commit', () => b.current() !== g0);
      process.kill(gc.pid, 'SIGINT'); // the CLI alone: its docker child finishes its step first
      const r = await gc.run;
      expect(r.exitCode, r.stderr).toBe(130);
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^registry-setup: cancelled \(SIGINT\) before (garbage-collect started|nginx was switched); the normal config \(g-[^)]+\) is current again/);
      expect(existsSync(join(b.dir, '.maintenance'))).toBe(false);
      await expectNormal(engine, b, g0);
      expect(await readonlyContainers(engine)).toEqual([]);
      expect(readFileSync(join(b.dir, 'config.yml'), 'utf8')).not.toMatch(/readonly/);
    });
  });
});
