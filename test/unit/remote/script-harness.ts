import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { shellQuote as q } from '../../../src/remote/shell-quote.js';
import type { SshRun } from '../../../src/remote/ssh-runner.js';
import { planTrust, renderTrustScript, type TrustRequest } from '../../../src/remote/trust-script.js';

/**
 * A fake node for running the fully rendered script unprivileged: `root` stands in for `/`
 * (RS_ROOT), and `bin` is the script's whole PATH: links to the few real tools the library
 * uses, plus stubs for everything that would reach the machine itself (docker, systemctl,
 * pidof, getent, update-ca-certificates). The machine running the tests may have a real
 * dockerd, and may run them as root: nothing here can reach it.
 */
export interface FakeNode {
  dir: string;
  root: string;
  bin: string;
  /** Stub state: `running` (dockerd is up), `listed` (what `docker info` reports), `calls`. */
  state: string;
}

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
/** sh is whatever /bin/sh is here; dash and busybox by name, as nodes have them. */
export const SHELLS: Array<[string, string[]]> = (
  [['sh', ['sh']], ['dash', ['dash']], ['bash --posix', ['bash', '--posix']], ['busybox sh', ['busybox', 'sh']]] as Array<[string, string[]]>
).filter(([, [cmd]]) => has(cmd!));

// The base tools every node has (whatever the library uses now or later); never the ones stubbed.
const REAL_TOOLS = ['awk', 'basename', 'cat', 'chmod', 'chown', 'cmp', 'cp', 'cut', 'date', 'dirname', 'grep', 'head', 'id', 'ln', 'ls', 'mkdir',
  'mktemp', 'mv', 'od', 'readlink', 'rm', 'rmdir', 'sed', 'sleep', 'sort', 'stat', 'tail', 'touch', 'tr', 'uniq', 'wc'];
const realPath = (cmd: string): string => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();

export const CA = '-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHHIG2d\n-----END CERTIFICATE-----\n';
export const BASE: TrustRequest = {
  action: 'trust', mode: 'certs', addresses: ['10.0.0.5:5000', 'reg.lan:5000'], caPem: CA,
  runtimes: ['docker', 'containerd', 'podman'], systemTrust: false, hostsEntryIp: null, now: new Date('2026-03-04T05:06:07.890Z'),
};

export function makeNode(): FakeNode {
  const dir = mkdtempSync(join(tmpdir(), 'rs-node-'));
  const node = { dir, root: join(dir, 'root'), bin: join(dir, 'bin'), state: join(dir, 'state') };
  for (const d of [node.root, node.bin, node.state]) mkdirSync(d);
  for (const t of REAL_TOOLS) {
    const real = realPath(t);
    if (real.startsWith('/')) symlinkSync(real, join(node.bin, t));
  }
  const stub = (name: string, body: string): void => {
    writeFileSync(join(node.bin, name), `#!/bin/sh\necho "${name} $*" >> ${q(join(node.state, 'calls'))}\n${body}\n`);
    chmodSync(join(node.bin, name), 0o755);
  };
  const running = `[ -e ${q(join(node.state, 'running'))} ]`;
  // Resolves what the fake root's /etc/hosts names, like the real getent reads the real one.
  stub('getent', `[ "$1" = hosts ] && [ -f ${q(join(node.root, 'etc/hosts'))} ] || exit 2
while read -r ip names; do for n in $names; do [ "$n" = "$2" ] && { echo "$ip $n"; exit 0; }; done; done < ${q(join(node.root, 'etc/hosts'))}
exit 2`);
  // `docker info` answers the format it is asked: mirrors (as dockerd shows them, with a final slash) or insecure entries.
  stub('docker', `${running} || exit 1
case "$*" in *Mirrors*) cat ${q(join(node.state, 'mirrors'))} 2>/dev/null; exit 0 ;; esac
[ "$1" = info ] && cat ${q(join(node.state, 'listed'))} 2>/dev/null\nexit 0`);
  // A reload re-reads daemon.json (as dockerd does on SIGHUP); a file it cannot parse changes nothing.
  writeFileSync(join(dir, 'reload.cjs'), `const fs = require('fs');
let doc = {};
try { doc = JSON.parse(fs.readFileSync(${JSON.stringify(join(node.root, 'etc/docker/daemon.json'))}, 'utf8')); }
catch (e) { if (e.code !== 'ENOENT') process.exit(0); }
fs.writeFileSync(${JSON.stringify(join(node.state, 'listed'))}, [...(doc['insecure-registries'] ?? [])].sort().map((a) => a + ' ').join(''));
// dockerd 20.10 keeps its mirrors when the key is gone: only a list in the file replaces them.
if (Array.isArray(doc['registry-mirrors'])) fs.writeFileSync(${JSON.stringify(join(node.state, 'mirrors'))}, doc['registry-mirrors'].map((a) => a + '/ ').join(''));
`);
  stub('systemctl', `case $1 in
  is-active) ${running} || exit 3 ;;
  reload) ${running} && exec ${q(process.execPath)} ${q(join(dir, 'reload.cjs'))} ;;
esac`);
  // A pid beyond any pid_max: should a test ever reach the SIGHUP path, kill fails and touches nothing.
  stub('pidof', `${running} && echo 99999999`);
  stub('update-ca-certificates', 'exit 0');
  return node;
}

export const dropNode = (node: FakeNode): void => rmSync(node.dir, { recursive: true, force: true });

/** dockerd "up" under systemd: the library's reload goes through the systemctl stub. */
export function startDockerd(node: FakeNode): void {
  writeFileSync(join(node.state, 'running'), '');
  mkdirSync(join(node.root, 'run/systemd/system'), { recursive: true });
}

export const stubCalls = (node: FakeNode): string[] => {
  try {
    return readFileSync(join(node.state, 'calls'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};
export const listed = (node: FakeNode): string => readFileSync(join(node.state, 'listed'), 'utf8');
/** The mirrors the stub dockerd uses, as `docker info` shows them. */
export const mirrorsListed = (node: FakeNode): string => {
  try {
    return readFileSync(join(node.state, 'mirrors'), 'utf8');
  } catch {
    return '';
  }
};

/** The script the CLI would send for this request, aimed at the fake node. */
export const render = (node: FakeNode, over: Partial<TrustRequest> = {}): string =>
  renderTrustScript(planTrust({ ...BASE, ...over }), { root: node.root, path: node.bin });

/** As ssh runs it: `sh -s` with the script on stdin, in a bare environment. */
export function runScript(shell: string[], script: string): Promise<SshRun> {
  const [cmd, ...args] = shell;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = execFile(cmd!, [...args, '-s'], { encoding: 'utf8', env: { PATH: process.env.PATH } }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ exitCode, stdout, stderr, timedOut: false, ms: performance.now() - t0 });
    });
    child.stdin!.end(script);
  });
}

/** path → "dir MODE" or "MODE CONTENTS" for everything under the fake root. */
export function snapshot(node: FakeNode): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const mode = (lstatSync(p).mode & 0o777).toString(8);
      out[relative(node.root, p)] = e.isDirectory() ? `dir ${mode}` : `${mode} ${readFileSync(p, 'utf8')}`;
      if (e.isDirectory()) walk(p);
    }
  };
  walk(node.root);
  return out;
}

/** Writes files under the fake root, making their dirs (0755). */
export function seed(node: FakeNode, files: Record<string, string | [string, number]>): void {
  for (const [path, v] of Object.entries(files)) {
    const [text, mode] = typeof v === 'string' ? [v, 0o644] : v;
    mkdirSync(join(node.root, path, '..'), { recursive: true });
    writeFileSync(join(node.root, path), text, { mode });
    chmodSync(join(node.root, path), mode);
  }
}

export const changes = (run: SshRun): string[] => run.stdout.split('\n').filter((l) => l.startsWith('@@rs change '));

/** What every node has before we come: /etc, /var/lib and a file of its own. */
export function seededNode(): FakeNode {
  const node = makeNode();
  seed(node, { 'etc/hostname': 'node1\n' });
  mkdirSync(join(node.root, 'var/lib'), { recursive: true });
  return node;
}
