import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** ../shared/peers beside the repo: CI clones main with shared/ next to it. */
export const PEERS_DIR = path.resolve(fileURLToPath(new URL('../../../../shared/peers', import.meta.url)));

/**
 * The registry program the image would run: registry:2.x is Debian's docker-registry
 * (2.8.2), registry:3.x the 3.1.1 binary from shared/peers, unpacked once per machine.
 */
export function registryProgram(major: 2 | 3): string {
  if (major === 2) return 'docker-registry';
  const dir = path.join(os.tmpdir(), 'rs-peers');
  const bin = path.join(dir, 'registry-3.1.1');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${bin}.${process.pid}`;
    execFileSync('sh', ['-c', `xz -dc "$1" > "$2"`, 'sh', path.join(PEERS_DIR, 'registry-3.1.1.xz'), tmp]);
    chmodSync(tmp, 0o755);
    renameSync(tmp, bin); // whole or absent, even with two test files unpacking at once
  }
  return bin;
}

/** docker_auth 1.14.0 (the stripped build in shared/peers), unpacked once per machine like the registry. */
export function dockerAuthProgram(): string {
  const dir = path.join(os.tmpdir(), 'rs-peers');
  const bin = path.join(dir, 'docker_auth-1.14.0');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${bin}.${process.pid}`;
    execFileSync('sh', ['-c', `xz -dc "$1" > "$2"`, 'sh', path.join(PEERS_DIR, 'docker_auth-1.14.0-stripped.xz'), tmp]);
    chmodSync(tmp, 0o755);
    renameSync(tmp, bin);
  }
  return bin;
}

export function registryMajor(image: string): 2 | 3 {
  const tag = image.split('/').pop()!.split(':')[1] ?? 'latest';
  return tag !== 'latest' && Number(tag.split('.')[0]) === 2 ? 2 : 3;
}
