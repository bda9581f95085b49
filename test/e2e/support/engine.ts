import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { PEERS_DIR } from './registry-binary.js';

/**
 * A private Docker engine with docker-compose and the images a bundle pins, built
 * locally from the real programs (shared/peers/engine, FACTS.md): the bundle's
 * compose file runs for real, as `docker compose up -d` runs it for a user.
 */
export interface Engine {
  env: Record<string, string>;
  /** `docker compose ARGS` in a bundle directory. */
  compose(dir: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  docker(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Each engine needs its own address pool: two engines drawing the same subnets would cut each other off. */
const DEFAULT_POOL = process.env.RS_TEST_DOCKERD_POOL ?? '10.173.0.0/16';

export async function startEngine(images: { registry: string; nginx: string; redis: string }, pool = DEFAULT_POOL): Promise<Engine> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rs-engine-'));
  const engineDir = path.join(dir, 'engine');
  const up = await execa(path.join(PEERS_DIR, 'engine/dockerd-up.sh'), [engineDir], { env: { DOCKERD_POOL: pool } });
  const env = Object.fromEntries(up.stdout.trim().split(/\s+/).map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string]));
  const tag = (image: string) => image.split(':')[1]!;
  try {
    await execa(path.join(PEERS_DIR, 'engine/build-images.sh'), [path.join(dir, 'images'), tag(images.registry), tag(images.nginx), tag(images.redis)], { env });
  } catch (err) {
    await execa(path.join(PEERS_DIR, 'engine/dockerd-down.sh'), [engineDir], { reject: false });
    throw err;
  }
  return {
    env,
    compose: async (cwd, args) => {
      const r = await execa('docker', ['compose', ...args], { cwd, env, reject: false, timeout: 120_000 });
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    docker: async (args) => String((await execa('docker', args, { env })).stdout),
    stop: async () => {
      await execa(path.join(PEERS_DIR, 'engine/dockerd-down.sh'), [engineDir], { reject: false });
      await execa('rm', ['-rf', dir], { reject: false });
    },
  };
}
