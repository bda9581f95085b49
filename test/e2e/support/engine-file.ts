import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { NGINX_IMAGE, REDIS_IMAGE, REGISTRY_IMAGE } from '../../../src/bundle/plan-files.js';
import { startEngine, type Engine } from './engine.js';
import { buildOciLayout } from './oci-image.js';

/**
 * What a test file that runs bundles under docker compose shares: a temp root, an OCI
 * layout to push (`layout`, tag v1), and one engine with the images the bundle pins,
 * made in the file's beforeAll and removed after it. (Apart from engine.ts, which the
 * bench uses outside vitest.)
 */
export function useEngineFile(prefix: string, message: string): { root: string; layout: string; engine: () => Engine } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const layout = join(root, 'layout');
  let engine: Engine | undefined;
  beforeAll(async () => {
    await buildOciLayout(layout, 'v1', message);
    engine = await startEngine({ registry: REGISTRY_IMAGE, nginx: NGINX_IMAGE, redis: REDIS_IMAGE });
  }, 180_000);
  afterAll(async () => {
    await engine?.stop();
    rmSync(root, { recursive: true, force: true });
  });
  return { root, layout, engine: () => engine! };
}
