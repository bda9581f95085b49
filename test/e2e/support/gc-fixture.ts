import { mkdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REGISTRY_IMAGE, NGINX_IMAGE, REDIS_IMAGE } from '../../../src/bundle/plan-files.js';
import { bundleRegistry, type BundleRegistry } from './bundle-registry.js';
import { runCli } from './cli.js';
import type { Engine } from './engine.js';
import { freePort, waitForPort } from './net.js';
import { buildOciLayout, type OciImage } from './oci-image.js';

export const IMAGES = { registry: REGISTRY_IMAGE, nginx: NGINX_IMAGE, redis: REDIS_IMAGE };
export const USER = { username: 'alice', password: 'alice-pw' };

/** Two images: one to keep and pull all along, one to delete; its blobs are what gc must free. */
export interface Images {
  layout: string;
  keep: OciImage;
  gone: OciImage;
  /** The bytes of the gone image's blobs (manifest, config, layer). */
  goneBytes: number;
}

export async function buildImages(root: string): Promise<Images> {
  const layout = join(root, 'layout');
  const keep = await buildOciLayout(layout, 'keep', 'keep me, pull me all along\n');
  // Random bytes do not compress: the layer has a real size on disk.
  const gone = await buildOciLayout(layout, 'gone', Buffer.from(Array.from({ length: 200_000 }, () => Math.floor(Math.random() * 256))));
  const size = (d: string) => statSync(join(layout, 'blobs/sha256', d.slice(7))).size;
  return { layout, keep, gone, goneBytes: size(gone.manifestDigest) + size(gone.configDigest) + size(gone.layerDigest) };
}

export interface RunningBundle {
  dir: string;
  reg: BundleRegistry;
  cli(args: string[]): ReturnType<typeof runCli>;
  /** The live generation's id. */
  current(): string;
}

/** init with a user, then `docker compose up -d`, under the engine: the bundle as a person runs it. */
export async function upBundle(engine: Engine, root: string, name: string, mode: 'tls' | 'proxy'): Promise<RunningBundle> {
  const port = await freePort();
  const dir = join(root, name);
  mkdirSync(dir);
  const cli = (args: string[], input?: string) => runCli([...args, '--dir', dir], { input, env: engine.env });
  const init = await cli(['init', '--mode', mode, '--host', '127.0.0.1', '--port', String(port), '--user', USER.username, '--password-stdin'], `${USER.password}\n`);
  if (init.exitCode !== 0) throw new Error(`init failed: ${init.stderr}`);
  const up = await engine.compose(dir, ['up', '-d']);
  if (up.exitCode !== 0) throw new Error(`docker compose up -d failed: ${up.stderr}`);
  await waitForPort('127.0.0.1', port, 20_000);
  return { dir, reg: bundleRegistry(dir, port, USER, root), cli: (args) => cli(args), current: () => readlinkSync(join(dir, '.gen/current')) };
}

export const pullTarget = (b: RunningBundle, images: Images) => ({
  port: b.reg.port, ca: readFileSync(join(b.dir, 'ca/ca.crt'), 'utf8'), user: USER.username, password: USER.password,
  repo: 'demo/keep', manifestDigest: images.keep.manifestDigest, blobDigest: images.keep.layerDigest,
});
