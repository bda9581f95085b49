import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Mount, type ServiceSpec, kindOf, programFor, readCompose, registryListenPort, startOrder } from './compose-file.js';
import { isPortOpen, waitForPort } from './net.js';

/**
 * Runs a bundle's docker-compose.yml with the real programs, natively: each
 * service gets a private mount namespace in which every volume is bind-mounted
 * at its container path, exactly where the image would see it. Needs root.
 * Services share the host network, so compose DNS is faked with an /etc/hosts
 * (every service name -> 127.0.0.1) and published ports must equal targets.
 */

export interface StackOptions {
  /** Per service: how long to wait for its ports. */
  readyTimeoutMs?: number;
  /** Run this registry instead of the one the image tag names: 2 (Debian's 2.8.2) or 3 (3.1.1). */
  registryMajor?: 2 | 3;
  /** Added to every service's environment, as a test's override compose file would (a test upstream's CA: SSL_CERT_FILE). */
  extraEnv?: Record<string, string>;
  /** Per service: variables set over its compose environment (a test's deliberate misconfiguration). */
  environment?: Record<string, Record<string, string>>;
}

export interface ServiceHandle {
  readonly name: string;
  /** Ports waited for: published ones, plus the registry's own listen port. */
  readonly ports: number[];
  pid(): number | undefined;
  logs(): string;
  stop(): Promise<void>;
  /** Like `docker compose restart`: a new process (and namespace) on the same spec. */
  restart(): Promise<void>;
}

export interface Stack {
  services: Record<string, ServiceHandle>;
  /** Published ports per service. */
  ports: Record<string, number[]>;
  logs(): string;
  stop(): Promise<void>;
  restart(service: string): Promise<void>;
}

/** redis-server's default port; nothing publishes it, but the registries need it up first. */
const REDIS_PORT = 6379;

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function tryKill(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false; // ESRCH: already gone
  }
}

/** Debian's /etc/nginx copied, so conf.d/certs/auth can be mounted into it without touching the host's. */
async function nginxEtcCopy(tmp: string): Promise<Mount[]> {
  const etc = path.join(tmp, 'etc-nginx');
  await cp('/etc/nginx', etc, { recursive: true, verbatimSymlinks: true });
  // The image has no sites-enabled; Debian's default site would grab port 80.
  rmSync(path.join(etc, 'sites-enabled'), { recursive: true, force: true });
  mkdirSync(path.join(etc, 'sites-enabled'));
  const conf = path.join(etc, 'nginx.conf');
  // Like the image (logs symlinked to stdout/stderr): everything lands in our log file.
  const text = (await readFile(conf, 'utf8'))
    .replace(/^(\s*)pid\s+[^;]+;/m, `$1pid ${path.join(tmp, 'nginx.pid')};`)
    .replace(/^(\s*)error_log\s+[^;]+;/m, '$1error_log stderr;')
    .replace(/^(\s*)access_log\s+[^;]+;/m, '$1access_log /dev/stdout;');
  await writeFile(conf, text);
  mkdirSync(path.join(tmp, 'var-lib-nginx'), { mode: 0o755 });
  return [
    { source: etc, target: '/etc/nginx', readOnly: false, createSource: false },
    // nginx creates its body/proxy temp dirs here at start-up; keep them off the host.
    { source: path.join(tmp, 'var-lib-nginx'), target: '/var/lib/nginx', readOnly: false, createSource: false },
  ];
}

/**
 * Where nginx writes by its compiled-in defaults (pid in /run, access log in /var/log/nginx)
 * when a config started with -c names no other place: private, as in the image.
 */
function nginxPrivateDirs(tmp: string): Mount[] {
  return ['run', 'var-log-nginx'].map((name) => {
    mkdirSync(path.join(tmp, name), { mode: 0o755 });
    return { source: path.join(tmp, name), target: `/${name.replace(/-/g, '/')}`, readOnly: false, createSource: false };
  });
}

/** Shell lines that bind-mount `m` at its target. */
function mountLines(m: Mount): string[] {
  if (!existsSync(m.source)) {
    if (!m.createSource) throw new Error(`bind source ${m.source} does not exist`);
    mkdirSync(m.source, { recursive: true, mode: 0o755 }); // docker creates it, as root, 0755
  }
  const t = q(m.target);
  // A mountpoint must exist. Targets such as /certs or /auth are absent on the
  // host root fs, so they are created there as empty dirs (harmless, and what
  // the image's own fs would have); under /etc/nginx they land in the copy.
  const mk = statSync(m.source).isDirectory()
    ? `mkdir -p ${t}`
    : `mkdir -p "$(dirname ${t})" && { [ -e ${t} ] || : > ${t}; }`;
  const lines = [mk, `mount --bind ${q(m.source)} ${t}`];
  // A bind mount ignores "ro" on the first call; it takes a remount.
  if (m.readOnly) lines.push(`mount -o remount,bind,ro ${t}`);
  return lines;
}

async function launch(spec: ServiceSpec, allNames: string[], opts: StackOptions) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `stack-${spec.name}-`));
  const hosts = path.join(tmp, 'hosts');
  await writeFile(hosts, `${readFileSync('/etc/hosts', 'utf8').trimEnd()}\n127.0.0.1 ${allNames.join(' ')}\n`);
  const system: Mount[] = [{ source: hosts, target: '/etc/hosts', readOnly: true, createSource: false }];
  if (kindOf(spec) === 'nginx') system.push(...(await nginxEtcCopy(tmp)), ...nginxPrivateDirs(tmp));
  // Parents before children, as docker sorts mounts, so /etc/nginx/conf.d lands in the copy.
  const volumes = [...spec.mounts].sort((a, b) => a.target.split('/').length - b.target.split('/').length);
  const script = ['set -e', ...[...system, ...volumes].flatMap(mountLines), programFor(spec, opts.registryMajor, tmp)].join('\n');

  const logFile = path.join(tmp, 'service.log');
  const fd = openSync(logFile, 'a');
  // detached: a new process group, so stop() can signal nginx's workers too.
  // A pid namespace (as in a container) plus two death signals make sure
  // nothing outlives a crashed or killed test runner: our death kills unshare,
  // unshare's kills the namespace's pid 1, and the kernel then kills the rest.
  const argv = ['--pdeathsig', 'KILL', 'unshare', '--mount', '--propagation', 'private',
    '--pid', '--fork', '--kill-child=SIGKILL', '--mount-proc', 'sh', '-c', script];
  const child = spawn('setpriv', argv, {
    detached: true,
    stdio: ['ignore', fd, fd],
    // A container sees only its own environment (REGISTRY_* set in CI must not leak in).
    env: { PATH: process.env.PATH, ...spec.environment, ...opts.extraEnv, ...opts.environment?.[spec.name] },
  });
  closeSync(fd);
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => resolve(void (exit = `exited (code ${code}, signal ${signal})`))),
  );
  return { child, exited, tmp, logFile, exitReason: () => exit };
}

class NativeService implements ServiceHandle {
  readonly ports: number[];
  private run?: Awaited<ReturnType<typeof launch>>;
  private lastLogs = '';
  constructor(
    private spec: ServiceSpec,
    private allNames: string[],
    private opts: StackOptions,
  ) {
    const own = kindOf(spec) === 'registry' ? registryListenPort(spec) : kindOf(spec) === 'redis' ? REDIS_PORT : undefined;
    this.ports = [...new Set([...spec.ports, ...(own ? [own] : [])])];
  }
  get name() {
    return this.spec.name;
  }
  pid() {
    return this.run?.exitReason() ? undefined : this.run?.child.pid;
  }
  logs() {
    return this.run && existsSync(this.run.logFile) ? readFileSync(this.run.logFile, 'utf8') : this.lastLogs;
  }
  async start(): Promise<void> {
    // A leftover listener would make the readiness wait pass against the wrong process.
    for (const port of this.ports) {
      if (await isPortOpen('127.0.0.1', port)) throw new Error(`service ${this.name}: port ${port} is already in use`);
    }
    const run = (this.run = await launch(this.spec, this.allNames, this.opts));
    try {
      for (const port of this.ports) {
        await waitForPort('127.0.0.1', port, this.opts.readyTimeoutMs ?? 20_000, {
          abortReason: () => run.exitReason() && `service ${this.name} ${run.exitReason()}`,
          describe: () => `--- ${this.name} log (tail) ---\n${this.logs().split('\n').slice(-30).join('\n')}`,
        });
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
  }
  async stop(): Promise<void> {
    const run = this.run;
    if (!run) return;
    const pgid = run.child.pid!;
    tryKill(-pgid, 'SIGTERM');
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000).unref());
    if ((await Promise.race([run.exited, timeout])) === 'timeout') tryKill(-pgid, 'SIGKILL');
    await run.exited;
    // The leader may exit before its children (nginx workers); wait for the whole group.
    for (let i = 0; i < 100 && tryKill(-pgid, 0); i++) await new Promise((r) => setTimeout(r, 50));
    tryKill(-pgid, 'SIGKILL');
    this.lastLogs = this.logs();
    this.run = undefined;
    rmSync(run.tmp, { recursive: true, force: true });
  }
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/** Starts one service of the bundle (no dependencies), e.g. the registry alone. */
export async function startService(bundleDir: string, name: string, opts: StackOptions = {}): Promise<ServiceHandle> {
  const specs = readCompose(bundleDir);
  const spec = specs.find((s) => s.name === name);
  if (!spec) throw new Error(`no service ${name} in ${bundleDir}/docker-compose.yml`);
  const svc = new NativeService(spec, specs.map((s) => s.name), opts);
  await svc.start();
  return svc;
}

/** Starts every service in depends_on order, waiting for each one's ports. */
export async function startStack(bundleDir: string, opts: StackOptions = {}): Promise<Stack> {
  const specs = readCompose(bundleDir);
  const names = specs.map((s) => s.name);
  const started: NativeService[] = [];
  const stop = async () => {
    for (const s of [...started].reverse()) await s.stop();
  };
  try {
    for (const spec of startOrder(specs)) {
      const svc = new NativeService(spec, names, opts);
      started.push(svc);
      await svc.start();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const services = Object.fromEntries(started.map((s) => [s.name, s as ServiceHandle]));
  return {
    services,
    ports: Object.fromEntries(specs.map((s) => [s.name, s.ports])),
    logs: () => started.map((s) => `===== ${s.name} =====\n${s.logs()}`).join('\n'),
    stop,
    restart: async (name) => {
      const svc = services[name];
      if (!svc) throw new Error(`no service ${name}`);
      await svc.restart();
    },
  };
}
