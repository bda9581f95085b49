import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { alive, killQuietly, waitUntil } from './lan-net.js';
import { NODE_PRIVATE_DIRS, seedNodeEtc } from './lan-seed.js';
import { waitForPort } from './net.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The settings that let many dockerds share one machine without touching its network. */
export const DEFAULT_DAEMON_CONFIG = { 'storage-driver': 'vfs', iptables: false, ip6tables: false, bridge: 'none' };
// The same settings as flags, for a node started with no daemon.json. Flags and file must not
// overlap, so a daemon.json added later with only insecure-registries still loads.
const NO_FILE_FLAGS = ['--storage-driver=vfs', '--iptables=false', '--ip6tables=false', '--bridge=none'];

export interface NodeSpec {
  /** Initial /etc/docker/daemon.json, written verbatim (invalid JSON allowed); null: no file. */
  daemonJson?: string | null;
  /** Initial /root/.docker/config.json (root's docker client config), written verbatim, 0600. */
  dockerConfig?: string;
  /** Makes /etc/rancher/k3s or /etc/rancher/rke2, as a node running k3s or RKE2 has it. */
  rancher?: 'k3s' | 'rke2';
}

export interface NodeParams {
  name: string; // netns name
  ip: string;
  dir: string;
  authorizedKeysFile: string;
  spec: NodeSpec;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** One docker host: its own net, mount and pid namespaces, /etc/docker, docker data and sshd. */
export class LanNode {
  /** Root-namespace pid of the node's init (`sleep infinity`, pid 1 inside); nsenter targets it. */
  pid = 0;
  /** False when dockerd cannot start (daemon.json is not JSON), so readiness skips docker. */
  readonly dockerExpected: boolean;
  private exited = false;
  private proc?: ResultPromise<{ stdio: 'ignore'; reject: false; cleanup: false }>;

  constructor(private readonly p: NodeParams) {
    this.dockerExpected = p.spec.daemonJson == null || isJson(p.spec.daemonJson);
  }

  get name(): string {
    return this.p.name;
  }
  get ip(): string {
    return this.p.ip;
  }
  get dir(): string {
    return this.p.dir;
  }

  /** Writes the node dir (config, host key) and returns the public host key line "type base64". */
  async prepare(): Promise<string> {
    const d = this.dir;
    await Promise.all(NODE_PRIVATE_DIRS.map(({ dir }) => mkdir(join(d, dir), { mode: dir === 'root-home' ? 0o700 : 0o755 })));
    await seedNodeEtc(d);
    if (this.p.spec.rancher) await mkdir(join(d, 'etc-rancher', this.p.spec.rancher));
    if (this.p.spec.dockerConfig !== undefined) {
      await mkdir(join(d, 'root-home/.docker'), { mode: 0o700 });
      await writeFile(join(d, 'root-home/.docker/config.json'), this.p.spec.dockerConfig, { mode: 0o600 });
    }
    const daemonJson = this.p.spec.daemonJson === undefined ? JSON.stringify(DEFAULT_DAEMON_CONFIG) : this.p.spec.daemonJson;
    if (daemonJson !== null) await writeFile(join(d, 'etc-docker/daemon.json'), daemonJson);
    await writeFile(join(d, 'sshd_config'), this.sshdConfig());
    const key = join(d, 'ssh_host_ed25519_key');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', this.name, '-f', key]);
    return (await readFile(`${key}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
  }

  private sshdConfig(): string {
    return [
      `ListenAddress ${this.ip}:22`,
      `HostKey ${join(this.dir, 'ssh_host_ed25519_key')}`,
      'PidFile /run/sshd.pid',
      // One key file for every user, in the lan's temp dir, so no ~/.ssh is touched.
      `AuthorizedKeysFile ${this.p.authorizedKeysFile}`,
      // That file sits under world-writable /tmp, which StrictModes would refuse.
      'StrictModes no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      // Without PAM the users' '*' password means "no password", not "locked".
      'UsePAM no',
      'UseDNS no',
      'PrintMotd no',
      // Benchmarks open many connections at once.
      'MaxStartups 200',
      'Subsystem sftp /usr/lib/openssh/sftp-server',
      '',
    ].join('\n');
  }

  /** Starts the node as FACTS.md shows; `ip netns exec` would remount /sys and break dockerd. */
  start(): void {
    const d = (s: string): string => q(join(this.dir, s));
    const flags = this.p.spec.daemonJson === null ? NO_FILE_FLAGS.join(' ') : '';
    const script = [
      'set -e',
      `exec >${d('node.log')} 2>&1`,
      // Every runtime's config, trust-node's records, root's home (docker client config), the
      // runtimes' data: each node's own, never the machine's (see lan-seed.ts).
      ...NODE_PRIVATE_DIRS.map(({ dir, at }) => `mount --bind ${d(dir)} ${at}`),
      // Own /run: own docker.pid, docker.sock and sshd pid.
      'mount -t tmpfs tmpfs /run && mkdir -p /run/sshd',
      `dockerd ${flags} >${d('dockerd.log')} 2>&1 &`,
      `/usr/sbin/sshd -f ${d('sshd_config')} -E ${d('sshd.log')}`,
      'exec sleep infinity',
    ].join('\n');
    const args = ['-m', '-p', '--fork', '--mount-proc', '--propagation', 'private', 'bash', '-c', script];
    // unshare ignores SIGTERM while it waits, so execa's cleanup could not stop it anyway.
    this.proc = execa('nsenter', [`--net=/run/netns/${this.name}`, 'unshare', ...args], {
      stdio: 'ignore',
      reject: false,
      cleanup: false,
    });
    void this.proc.then(() => {
      this.exited = true;
    });
  }

  /** Resolves once sshd accepts TCP on ip:22 and, if expected, `docker info` works. */
  async waitReady(timeoutMs = 30_000): Promise<void> {
    const unsharePid = this.proc?.pid;
    const found = await waitUntil(timeoutMs, async () => {
      if (this.exited) return true;
      const kids = await readFile(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').catch(() => '');
      this.pid = Number(kids.trim().split(' ')[0]) || 0;
      return this.pid > 0;
    }, 10);
    if (!found || this.exited) throw new Error(`${this.name} did not start: ${this.logTail('node.log')}`);
    await waitForPort(this.ip, 22, timeoutMs, {
      abortReason: () => (this.exited ? `${this.name} exited` : undefined),
      describe: () => `${this.logTail('node.log')}\n${this.logTail('sshd.log')}`,
      intervalMs: 50,
    });
    if (this.dockerExpected) await this.waitDocker(timeoutMs);
  }

  async waitDocker(timeoutMs = 30_000): Promise<void> {
    let died = false;
    const ok = await waitUntil(timeoutMs, async () => {
      if ((await this.exec('docker info -f {{.ID}}')).exitCode === 0) return true;
      // A daemon that rejected its config exits at once; say so now rather than at the timeout.
      died = (await this.dockerdPid()) === undefined;
      return died;
    }, 100);
    if (!ok || died) throw new Error(`${this.name}: docker not ready: ${this.logTail('dockerd.log')}`);
  }

  /** Runs `sh -c cmd` in the node's net, mount and pid namespaces, as root. Never throws on exit code. */
  async exec(cmd: string): Promise<ExecResult> {
    const r = await execa('nsenter', ['-t', String(this.pid), '-n', '-m', '-p', '--wd=/', 'sh', '-c', cmd], {
      reject: false,
    });
    return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
  }

  /** dockerd's pid in the node's own pid namespace (what the CLI over ssh sees); undefined if not running. */
  async dockerdPid(): Promise<number | undefined> {
    const r = await this.exec('pidof -s dockerd');
    return r.exitCode === 0 ? Number(r.stdout.trim()) : undefined;
  }

  /** Reads a path as the node sees it (through /proc/PID/root, so /etc/docker is the node's). */
  readFile(path: string): Promise<string> {
    return readFile(`/proc/${this.pid}/root${path}`, 'utf8');
  }

  writeFile(path: string, text: string): Promise<void> {
    return writeFile(`/proc/${this.pid}/root${path}`, text);
  }

  /** Kills the node's init; the kernel then kills everything else in its pid namespace. */
  async stop(): Promise<void> {
    // Before its init is known, kill unshare itself; removeNetwork() then kills what is left.
    killQuietly(this.pid > 0 ? this.pid : (this.proc?.pid ?? 0));
    await this.proc;
    await waitUntil(2000, async () => !alive(this.pid));
  }

  private logTail(file: string): string {
    try {
      return readFileSync(join(this.dir, file), 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return `(no ${file})`;
    }
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
