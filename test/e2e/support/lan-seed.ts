import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/** Login users besides root, made on the shared root fs (this is a test machine). */
export const SUDO_USER = 'rs-sudo';
export const NOSUDO_USER = 'rs-nosudo';

/**
 * What each node has of its own, bind-mounted over the machine's path: every file a container
 * runtime reads or trust-node writes. A node that shared one of these would see another node's
 * trust (and leave files in the machine's /etc): podman is detected wherever it is installed.
 */
export const NODE_PRIVATE_DIRS = [
  { dir: 'etc-docker', at: '/etc/docker' },
  { dir: 'etc-containers', at: '/etc/containers' },
  { dir: 'etc-containerd', at: '/etc/containerd' },
  { dir: 'etc-rancher', at: '/etc/rancher' },
  // trust-node's records of what it changed on this node
  { dir: 'var-lib-registry-setup', at: '/var/lib/registry-setup' },
  { dir: 'var-lib-docker', at: '/var/lib/docker' },
  { dir: 'var-lib-containerd', at: '/var/lib/containerd' },
  // podman's storage and its blob-info cache
  { dir: 'var-lib-containers', at: '/var/lib/containers' },
  // root's home: ~/.docker/config.json
  { dir: 'root-home', at: '/root' },
] as const;

/**
 * The files a real install has before anyone touches them: podman refuses to run without
 * policy.json, and reads registries.conf(.d). They are the packages' own files, copied from
 * /usr/share/... or the machine's /etc; absent ones (no podman here) get Debian's defaults.
 */
const SEEDS: Array<{ path: string; fallback: string | null }> = [
  { path: 'containers/policy.json', fallback: '{\n    "default": [\n        {\n            "type": "insecureAcceptAnything"\n        }\n    ]\n}\n' },
  { path: 'containers/registries.conf', fallback: '# registries.conf: Debian ships this file with every setting commented out.\n' },
  { path: 'containers/registries.conf.d/shortnames.conf', fallback: null },
  { path: 'containerd/config.toml', fallback: null },
];

/** Fills a node dir's etc-containers and etc-containerd as a fresh install of the packages has them. */
export async function seedNodeEtc(nodeDir: string): Promise<void> {
  await mkdir(join(nodeDir, 'etc-containers/registries.conf.d'));
  for (const { path, fallback } of SEEDS) {
    const to = join(nodeDir, `etc-${path}`);
    await copyFile(join('/etc', path), to).catch(async () => {
      if (fallback !== null) await writeFile(to, fallback);
    });
  }
}

/**
 * What the lan needs on the machine's own root fs: mount points for the nodes' bind mounts, and
 * the two login users. Idempotent. The global setup (test/etc-unchanged.ts) runs it BEFORE it
 * lists /etc, so these (and nothing else) are the machine's one lasting change from `npm test`.
 */
export async function prepareRootFs(): Promise<void> {
  await Promise.all(NODE_PRIVATE_DIRS.map(({ at }) => mkdir(at, { recursive: true })));
  for (const user of [SUDO_USER, NOSUDO_USER]) {
    if ((await execa('id', ['-u', user], { reject: false })).exitCode !== 0) {
      // '*' rather than useradd's locked '!': sshd without PAM refuses locked accounts even for keys.
      await execa('useradd', ['-m', '-s', '/bin/bash', '-p', '*', user]);
    }
  }
  const sudoers = `${SUDO_USER} ALL=(ALL:ALL) NOPASSWD: ALL\n`;
  const path = `/etc/sudoers.d/${SUDO_USER}`;
  if ((await readFile(path, 'utf8').catch(() => '')) !== sudoers) {
    // sudo skips names with a dot, so the temp file is never read half-written.
    await writeFile(`${path}.tmp`, sudoers, { mode: 0o440 });
    await rename(`${path}.tmp`, path);
  }
}
