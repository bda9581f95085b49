import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { MirrorRecord } from '../../../src/mirrors/upstreams.js';
import { registryProgram } from './registry-binary.js';
import { waitForPort } from './net.js';

/**
 * Issue 11's pull-through caches, run natively with the real registry 3.1.1, and the "upstream"
 * they proxy: a registry of its own with its own CA (nothing outside this machine is reachable).
 *
 * startMirror is the ONE place that makes a mirror's config. It is minimal and stands in for the
 * one `init --mirror` generates; when that lands, swap its config for the bundle's own.
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
 * One mirror of `record`, as a bundle serves it: on the bundle's main address and the record's
 * port, with the bundle's server certificate, no auth, proxying record.url. The upstream's CA is
 * trusted the way FACTS.md found works for the registry (Go): SSL_CERT_FILE.
 */
export async function startMirror(bundle: string, host: string, record: MirrorRecord, dir: string, upstreamCaFile: string): Promise<RunningRegistry> {
  await mkdir(dir, { recursive: true });
  const name = `mirror-${record.upstream.replace(/[^a-z0-9.-]/g, '_')}`;
  const config = `version: 0.1
storage: {filesystem: {rootdirectory: ${JSON.stringify(join(dir, `${name}-storage`))}}}
http: {addr: ${JSON.stringify(`${host}:${record.port}`)}, tls: {certificate: ${JSON.stringify(join(bundle, 'certs/registry.crt'))}, key: ${JSON.stringify(join(bundle, 'certs/registry.key'))}}}
proxy: {remoteurl: ${JSON.stringify(record.url)}, ttl: 168h}
`;
  return run(name, dir, config, { SSL_CERT_FILE: upstreamCaFile }, `${host}:${record.port}`);
}

/** Adds the mirrors to a bundle's registry-setup.yml, as `init --mirror` will record them. */
export async function recordMirrors(bundle: string, mirrors: MirrorRecord[]): Promise<void> {
  const file = join(bundle, 'registry-setup.yml');
  const text = await readFile(file, 'utf8');
  await writeFile(file, `${text}mirrors: ${JSON.stringify(mirrors)}\n`);
}
