import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { MirrorRecord } from '../../../src/mirrors/upstreams.js';
import { mirrorDataPath, mirrorService } from '../../../src/mirrors/services.js';
import { readBundleState } from '../../../src/bundle/read-state.js';
import { startService } from './compose-stack.js';
import { registryProgram } from './registry-binary.js';
import { waitForPort } from './net.js';

/**
 * Issue 11's pull-through caches, run natively with the real registry 3.1.1, and the "upstream"
 * they proxy: a registry of its own with its own CA (nothing outside this machine is reachable).
 *
 * The mirror is the bundle's own (`init --mirror`): its generated config and compose service.
 */
export interface RunningRegistry {
  /** host:port */
  address: string;
  /** Where it stores blobs (filesystem driver root). */
  storage: string;
  logs(): string;
  stop(): Promise<void>;
}

function run(name: string, dir: string, config: string, env: Record<string, string>, address: string): Promise<RunningRegistry> {
  return (async () => {
    const file = join(dir, `${name}.yml`);
    await writeFile(file, config);
    let log = '';
    const child: ChildProcess = spawn(registryProgram(3), ['serve', file], { env: { PATH: process.env.PATH ?? '', OTEL_TRACES_EXPORTER: 'none', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer): void => {
      log = (log + b.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
    await waitForPort(host, port, 10_000, { describe: () => log });
    return {
      address,
      storage: join(dir, `${name}-storage`),
      logs: () => log,
      stop: async () => {
        child.kill('SIGTERM');
        await exited;
      },
    };
  })();
}

/** An upstream on HOST:PORT with TLS from a CA of its own (PEM at `${dir}/upstream-ca.crt`), no auth. */
export async function startUpstream(dir: string, host: string, port: number): Promise<RunningRegistry & { caFile: string }> {
  await mkdir(dir, { recursive: true });
  const ca = join(dir, 'upstream-ca');
  const leaf = join(dir, 'upstream');
  await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '2', '-subj', '/CN=rs test upstream CA']);
  await execa('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${leaf}.key`, '-out', `${leaf}.csr`, '-subj', '/CN=upstream']);
  await writeFile(`${leaf}.ext`, `subjectAltName=IP:${host}\nextendedKeyUsage=serverAuth\n`);
  await execa('openssl', ['x509', '-req', '-in', `${leaf}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${leaf}.crt`, '-days', '2', '-sha256', '-extfile', `${leaf}.ext`]);
  const config = `version: 0.1
storage: {filesystem: {rootdirectory: ${JSON.stringify(join(dir, 'upstream-storage'))}}, delete: {enabled: true}}
http: {addr: ${JSON.stringify(`${host}:${port}`)}, tls: {certificate: ${JSON.stringify(`${leaf}.crt`)}, key: ${JSON.stringify(`${leaf}.key`)}}}
`;
  return { ...(await run('upstream', dir, config, {}, `${host}:${port}`)), caFile: `${ca}.crt` };
}

/**
 * The bundle's own mirror service for `record` (its generated mirrors/NAME/config.yml and
 * compose entry, run by registry 3.1.1 through the native compose harness), trusting the
 * test upstream's CA as FACTS.md found the registry (Go) does: SSL_CERT_FILE.
 */
export async function startMirror(bundle: string, record: MirrorRecord, upstreamCaFile: string): Promise<RunningRegistry> {
  const svc = await startService(bundle, mirrorService(record), { registryMajor: 3, extraEnv: { SSL_CERT_FILE: upstreamCaFile } });
  return { address: `${mainAddressOf(bundle)}:${record.port}`, storage: join(bundle, mirrorDataPath(record)), logs: () => svc.logs(), stop: () => svc.stop() };
}

const mainAddressOf = (bundle: string): string => readBundleState(bundle).hosts[0]!;
