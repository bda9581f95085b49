import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { startEngine, type Engine } from './engine.js';
import { buildImages, IMAGES, upBundle, type Images, type RunningBundle } from './gc-fixture.js';

/** What the gc test files share that needs vitest (gc-fixture.ts stays usable by the bench). */

/** Everything the way back must restore, as a client and the disk see it. */
export async function expectNormal(engine: Engine, b: RunningBundle, g0: string): Promise<void> {
  expect(b.current(), 'the generation gc replaced is current again').toBe(g0);
  expect(() => statSync(join(b.dir, '.maintenance'))).toThrow();
  expect(readFileSync(join(b.dir, 'config.yml'), 'utf8')).not.toMatch(/readonly/);
  if (statSync(join(b.dir, 'nginx'), { throwIfNoEntry: false })) expect(readFileSync(join(b.dir, 'nginx/registry.conf'), 'utf8')).toMatch(/server registry:5000;/);
  expect(await readonlyContainers(engine)).toEqual([]);
}

export async function readonlyContainers(engine: Engine): Promise<string[]> {
  return (await engine.docker(['ps', '-a', '--format', '{{.Names}}'])).split('\n').filter((n) => n.startsWith('registry-setup-readonly'));
}


/**
 * The engine and images a gc test file runs on, made once in the file's own
 * beforeAll (`pool`: an address range no other file's engine uses) and torn down after.
 */
export function useEngine(prefix: string, pool: string): { root: () => string; engine: () => Engine; images: () => Images } {
  let root: string | undefined;
  let engine: Engine | undefined;
  let images: Images | undefined;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), prefix));
    images = await buildImages(root);
    engine = await startEngine(IMAGES, pool);
  }, 180_000);
  afterAll(async () => {
    await engine?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });
  return { root: () => root!, engine: () => engine!, images: () => images! };
}

/** A running bundle for one describe block; `docker compose down` after it. */
export function useBundle(env: ReturnType<typeof useEngine>, name: string, mode: 'tls' | 'proxy', then?: (b: RunningBundle) => Promise<void>): () => RunningBundle {
  let b: RunningBundle | undefined;
  beforeAll(async () => {
    b = await upBundle(env.engine(), env.root(), name, mode);
    await then?.(b);
  }, 120_000);
  afterAll(async () => {
    if (b) await env.engine().compose(b.dir, ['down']);
  });
  return () => b!;
}
