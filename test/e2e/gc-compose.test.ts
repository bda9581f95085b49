import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli } from './support/gc-run.js';
import { pullTarget } from './support/gc-fixture.js';
import { expectNormal, useBundle, useEngine } from './support/gc-expect.js';
import { startPullLoop } from './support/pull-loop.js';
import { canRunPeers } from './support/require-peers.js';
import { pullToLayout } from './support/skopeo.js';

/**
 * Issue 9's proof 4: gc of the bundle's own stack under real compose. What it frees is
 * read off the disk; pulls run all along through the real address; a push lands in the
 * read-only window (gc is paused there, SIGSTOP, so the window is certain, not raced).
 */
const PEERS = ['dockerd', 'docker', 'docker-compose', 'skopeo', 'openssl', 'xz', 'busybox'];

describe.skipIf(!canRunPeers(PEERS))('gc under docker compose, for real', () => {
  const env = useEngine('rs-gc-compose-', '10.181.0.0/16');

  describe.each(['proxy', 'tls'] as const)('%s mode', (mode) => {
    const bundle = useBundle(env, mode, mode);

    it('frees exactly the deleted blobs and drops the empty repository; a push in the window fails at once; in proxy mode no pull fails, in tls mode the window is reported', async () => {
      const [b, engine, images] = [bundle(), env.engine(), env.images()];
      for (const [tag, repo] of [['keep', 'demo/keep'], ['gone', 'demo/gone']]) expect((await b.reg.push(images.layout, tag!, repo!)).exitCode).toBe(0);
      await b.reg.remove('demo/gone', 'gone');
      const g0 = b.current();
      const before = b.reg.blobBytes();
      const loop = startPullLoop(pullTarget(b, images));
      const gc = startCli(['gc', '--dir', b.dir, '--yes', '--json'], engine.env);
      await gc.reachedStep(b.dir, ['collecting']);
      gc.signalGroup('SIGSTOP'); // held in its read-only window
      let push;
      const started = Date.now();
      try {
        push = await b.reg.push(images.layout, 'keep', 'demo/during-gc');
      } finally {
        gc.signalGroup('SIGCONT');
      }
      const r = await gc.run;
      const stats = await loop.stop();
      expect(r.exitCode, r.stderr).toBe(0);
      expect(push.exitCode, 'a push while gc runs').not.toBe(0);
      expect(push.stderr).toMatch(/405|method not allowed|read-only|unsupported/i);
      // A hang would last until gc ends (it is stopped meanwhile); a loaded 2-core machine makes skopeo's failing push take half a minute.
      expect(Date.now() - started, 'the push failed, not hung').toBeLessThan(90_000);

      const json = JSON.parse(r.stdout) as Record<string, unknown>;
      console.log(`${mode}: gc ${JSON.stringify(json)}; pull loop: ${stats.attempts} requests, ${stats.staleRetries} sent again after a keep-alive close, ${stats.failures.length} failed ${JSON.stringify(stats.spans)}`);
      expect(json).toMatchObject({ mode, offline: false, blobsDeleted: 3, manifestsDeleted: 0, repositoriesRemoved: ['demo/gone'], bytesFreed: images.goneBytes });
      expect(before - b.reg.blobBytes(), 'bytes gone from data/').toBe(images.goneBytes);
      expect(await b.reg.catalog()).toEqual(['demo/keep']);
      expect(stats.attempts).toBeGreaterThan(20);
      if (mode === 'proxy') {
        expect(stats.failures, 'pulls that failed while gc ran').toEqual([]);
        expect(json.outagesMs).toBeNull();
      } else {
        // Two restarts: read-only, and back. How long each kept clients out is the report.
        expect(json.outagesMs).toEqual([expect.any(Number), expect.any(Number)]);
        expect((json.outagesMs as number[]).every((ms) => ms > 0 && ms < 30_000)).toBe(true);
      }
      expect(json.readOnlyMs).toBeGreaterThan(0);
      await expectNormal(engine, b, g0);
    });

    it('after gc, pushing a deleted layer again really uploads it (no cached entry says it is there)', async () => {
      const [b, engine, images] = [bundle(), env.engine(), env.images()];
      expect(b.reg.blobExists(images.gone.layerDigest)).toBe(false);
      const push = await b.reg.push(images.layout, 'gone', 'demo/gone');
      expect(push.exitCode, push.stderr).toBe(0);
      expect(b.reg.blobExists(images.gone.layerDigest), 'the layer is on disk again').toBe(true);
      const pull = await pullToLayout(b.reg.ref('demo/gone', 'gone'), join(env.root(), `pulled-${mode}`), 'gone', b.reg.opts);
      expect(pull.exitCode, pull.stderr).toBe(0);
    });

    it('--dry-run says what would go and changes nothing', async () => {
      const [b, engine, images] = [bundle(), env.engine(), env.images()];
      await b.reg.remove('demo/gone', 'gone');
      const before = b.reg.blobBytes();
      const r = await b.cli(['gc', '--dry-run', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, blobsDeleted: 3, bytesFreed: images.goneBytes, repositoriesRemoved: ['demo/gone'], readOnlyMs: null });
      expect(b.reg.blobBytes()).toBe(before);
      expect(await b.reg.catalog()).toContain('demo/gone');
    });

    it('without a terminal, --yes is required (exit 2), and nothing is touched', async () => {
      const [b, engine, images] = [bundle(), env.engine(), env.images()];
      const g0 = b.current();
      const r = await b.cli(['gc']);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/gc deletes, and there is no terminal to ask on: pass --yes/);
      expect(b.current()).toBe(g0);
    });
  });
});
