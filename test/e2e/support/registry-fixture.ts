import { copyFileSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, type CliResult } from './cli.js';
import { startService, type ServiceHandle } from './compose-stack.js';
import { freePort } from './net.js';
import { pushEvery } from './oci-index.js';

/**
 * One bundle from `init`, its registry running natively as 2.8.2 or 3.1.1 with
 * the bundle's own config, and the ways the operate tests talk to it: skopeo
 * with only ca.crt as trust, and the built CLI with the password on stdin.
 */
export const USER = 'alice';
export const PASSWORD = 'operate-test: "quoted" & $pecial';

export interface RegistryFixture {
  bundle: string;
  port: number;
  address: string;
  certDir: string;
  service: ServiceHandle;
  /** The CLI against this bundle, authenticated by --password-stdin. */
  cli(args: string[], opts?: { env?: Record<string, string> }): Promise<CliResult>;
  /** skopeo copy --all oci:LAYOUT:TAG → this registry's REPO:TAG. Throws on failure. */
  push(layout: string, layoutTag: string, ref: string, format?: 'v2s2'): Promise<void>;
  /** Rewrites the bundle's config.yml (the file the registry reads) and restarts it. */
  reconfigure(edit: (yaml: string) => string): Promise<void>;
  stop(): Promise<void>;
}

export async function startRegistryFixture(root: string, name: string, major: 2 | 3, mode: 'tls' | 'insecure' = 'tls'): Promise<RegistryFixture> {
  const port = await freePort();
  const bundle = path.join(root, name);
  const auth = mode === 'tls' ? ['--user', USER, '--password-stdin'] : [];
  const init = await runCli(['init', '--dir', bundle, '--mode', mode, '--host', '127.0.0.1', '--port', String(port), ...auth], { input: PASSWORD });
  if (init.exitCode !== 0) throw new Error(`init failed: ${init.stderr}`);
  let service = await startService(bundle, 'registry', { registryMajor: major });
  const certDir = mkdtempSync(path.join(root, `${name}-trust-`));
  if (mode === 'tls') copyFileSync(path.join(bundle, 'ca/ca.crt'), path.join(certDir, 'ca.crt'));
  const address = `127.0.0.1:${port}`;
  return {
    bundle, port, address, certDir,
    get service() {
      return service;
    },
    cli: (args, opts = {}) => runCli([...args, '--dir', bundle, ...(mode === 'tls' ? ['--user', USER, '--password-stdin'] : [])], { input: PASSWORD, env: opts.env }),
    async push(layout, layoutTag, ref, format) {
      const creds = mode === 'tls' ? { username: USER, password: PASSWORD } : undefined;
      const r = await pushEvery(layout, layoutTag, `${address}/${ref}`, { certDir, creds, tlsVerify: mode === 'tls', format });
      if (r.exitCode !== 0) throw new Error(`push ${ref} failed: ${r.stderr}`);
    },
    async reconfigure(edit) {
      const file = realpathSync(path.join(bundle, 'config.yml'));
      writeFileSync(file, edit(readFileSync(file, 'utf8')));
      await service.stop();
      service = await startService(bundle, 'registry', { registryMajor: major });
    },
    stop: () => service.stop(),
  };
}

/** Runs `tasks` with at most `n` at once (skopeo pushes). */
export async function inParallel<T>(n: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  }));
  return results;
}
