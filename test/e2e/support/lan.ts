/**
 * A small LAN of real docker nodes for e2e tests: one bridge in the root namespace
 * (ADMIN_IP, where the registry and the CLI run) and one namespace set per node, each
 * with its own dockerd, /etc/docker and sshd. Needs root. Addresses are fixed, so only
 * one lan runs at a time (vitest runs e2e files one by one).
 */
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { ADMIN_IP, checkNames, createNetwork, killQuietly, netnsName, nodeIp, removeNetwork, tempPrefix } from './lan-net.js';
import { LanNode, type ExecResult, type NodeSpec } from './lan-node.js';
import { NOSUDO_USER, SUDO_USER, prepareRootFs } from './lan-seed.js';

export { ADMIN_IP, LanNode, type ExecResult, type NodeSpec };
export { DEFAULT_DAEMON_CONFIG } from './lan-node.js';

export { NOSUDO_USER, SUDO_USER };

export interface LanOptions {
  nodes: number;
  /** Prefix of every netns, link and temp dir; default 'rs' (netns rs-n1…). */
  name?: string;
  /** Per node, first entry for n1; missing entries get the defaults. */
  nodeSpecs?: NodeSpec[];
}

export class Lan {
  readonly adminIp = ADMIN_IP;
  readonly identityFile: string;
  /** known_hosts with every node's host key for its IP. */
  readonly knownHostsFile: string;

  constructor(
    readonly name: string,
    readonly dir: string,
    readonly nodes: LanNode[],
  ) {
    this.identityFile = join(dir, 'id_ed25519');
    this.knownHostsFile = join(dir, 'known_hosts');
  }

  /** Options for the system ssh: `ssh ...lan.sshArgs root@IP cmd`, strict host key checking on. */
  get sshArgs(): string[] {
    return sshArgs(this.identityFile, this.knownHostsFile);
  }

  /** A known_hosts file that lacks these nodes, for the unknown-host-key case. */
  async knownHostsFileWithout(...nodes: LanNode[]): Promise<string> {
    const drop = new Set(nodes.map((n) => `${n.ip} `));
    const lines = (await readFile(this.knownHostsFile, 'utf8')).split('\n');
    const file = join(this.dir, `known_hosts-without-${nodes.map((n) => n.name).join('-')}`);
    await writeFile(file, lines.filter((l) => ![...drop].some((d) => l.startsWith(d))).join('\n'));
    return file;
  }

  /** Runs a command over real ssh as `user`; never throws on exit code. */
  async ssh(
    user: string,
    node: LanNode,
    command: string,
    opts: { inputFile?: string; knownHostsFile?: string } = {},
  ): Promise<ExecResult> {
    const args = [...sshArgs(this.identityFile, opts.knownHostsFile ?? this.knownHostsFile), `${user}@${node.ip}`, command];
    const r = await execa('ssh', args, { reject: false, ...(opts.inputFile ? { inputFile: opts.inputFile } : { stdin: 'ignore' }) });
    return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
  }

  /**
   * The benchmark's reference: one `ssh root@IP 'mkdir … && cat > …/ca.crt' < ca.crt` per node,
   * all at once. Resolves with the wall time in ms; throws if any node failed.
   */
  async parallelOneLiners(caPemPath: string, registryHostPort: string): Promise<number> {
    const dir = `/etc/docker/certs.d/${registryHostPort}`;
    const t0 = performance.now();
    const results = await Promise.all(
      this.nodes.map((n) => this.ssh('root', n, `mkdir -p ${dir} && cat > ${dir}/ca.crt`, { inputFile: caPemPath })),
    );
    const ms = performance.now() - t0;
    const failed = results.findIndex((r) => r.exitCode !== 0);
    if (failed >= 0) throw new Error(`one-liner failed on ${this.nodes[failed]?.name}: ${results[failed]?.stderr}`);
    return ms;
  }

  /** Stops every node and removes namespaces, links and the temp dir. Safe to call twice. */
  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    await removeNetwork(this.name);
    live.delete(this);
  }
}

function sshArgs(identityFile: string, knownHostsFile: string): string[] {
  return [
    '-i', identityFile,
    '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${knownHostsFile}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=5',
  ];
}

// If the test process exits without destroy(), at least stop the daemons; the next
// createLan() of the same name removes the namespaces and dirs left behind.
const live = new Set<Lan>();
process.once('exit', () => {
  for (const lan of live) for (const n of lan.nodes) killQuietly(n.pid);
});

export async function createLan(options: LanOptions): Promise<Lan> {
  const name = options.name ?? 'rs';
  checkNames(name, options.nodes);
  await removeNetwork(name);
  const dir = await mkdtemp(tempPrefix(name));
  // The login users read authorized_keys under it.
  await chmod(dir, 0o755);
  const authorizedKeysFile = join(dir, 'authorized_keys');
  const nodes = Array.from({ length: options.nodes }, (_, k) => {
    const spec = options.nodeSpecs?.[k] ?? {};
    return new LanNode({ name: netnsName(name, k + 1), ip: nodeIp(k + 1), dir: join(dir, `n${k + 1}`), authorizedKeysFile, spec });
  });
  const lan = new Lan(name, dir, nodes);
  live.add(lan);
  try {
    await Promise.all(nodes.map((n) => mkdir(n.dir)));
    const [hostKeys] = await Promise.all([
      Promise.all(nodes.map((n) => n.prepare())),
      execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}-lan-client`, '-f', lan.identityFile]),
      prepareRootFs(),
      createNetwork(name, options.nodes),
    ]);
    await writeFile(authorizedKeysFile, await readFile(`${lan.identityFile}.pub`, 'utf8'));
    await writeFile(lan.knownHostsFile, nodes.map((n, k) => `${n.ip} ${hostKeys[k]}\n`).join(''));
    for (const n of nodes) n.start();
    await Promise.all(nodes.map((n) => n.waitReady()));
    return lan;
  } catch (e) {
    await lan.destroy();
    throw e;
  }
}
