import { readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** The "admin host": the bridge address in the root namespace, where the registry and the CLI run. */
export const ADMIN_IP = '10.231.0.254';

export const netnsName = (lan: string, index: number): string => `${lan}-n${index}`;
export const nodeIp = (index: number): string => `10.231.0.${index}`;
const bridgeName = (lan: string): string => `${lan}-br`;
// The host end of a node's veth; the node end is called eth0 inside its namespace.
const vethName = (lan: string, index: number): string => `${netnsName(lan, index)}-h`;
/** Prefix of the lan's temp dir, so a crashed run's dir can be found and removed. */
export const tempPrefix = (lan: string): string => join(tmpdir(), `${lan}-lan-`);

export function checkNames(lan: string, count: number): void {
  if (!/^[a-z][a-z0-9]*$/.test(lan)) throw new Error(`lan name must be [a-z][a-z0-9]*: ${lan}`);
  if (count < 1 || count > 200) throw new Error(`a lan has 1..200 nodes, not ${count}`);
  // Linux interface names hold at most 15 characters.
  if (vethName(lan, count).length > 15) throw new Error(`lan name too long for interface names: ${lan}`);
}

/** Bridge + one netns per node, joined by veth pairs. No default route: nodes reach nothing but the lan. */
export async function createNetwork(lan: string, count: number): Promise<void> {
  const br = bridgeName(lan);
  const root = [`link add ${br} type bridge`, `addr add ${ADMIN_IP}/24 dev ${br}`, `link set ${br} up`];
  for (let i = 1; i <= count; i++) {
    const ns = netnsName(lan, i);
    root.push(`netns add ${ns}`, `link add ${vethName(lan, i)} type veth peer name eth0 netns ${ns}`);
    root.push(`link set ${vethName(lan, i)} master ${br} up`);
  }
  // One `ip` process per namespace instead of one per command keeps 10 nodes well under a second.
  await execa('ip', ['-batch', '-'], { input: root.join('\n') });
  await Promise.all(
    Array.from({ length: count }, (_, k) =>
      execa('ip', ['-n', netnsName(lan, k + 1), '-batch', '-'], {
        input: ['link set lo up', `addr add ${nodeIp(k + 1)}/24 dev eth0`, 'link set eth0 up'].join('\n'),
      }),
    ),
  );
}

/**
 * Removes everything a lan of this name may have left: processes in its namespaces,
 * the namespaces, veths, the bridge and temp dirs. Used by destroy() and, before
 * creating, to clear what a crashed run left behind.
 */
export async function removeNetwork(lan: string): Promise<void> {
  const nsPattern = new RegExp(`^${lan}-n\\d+$`);
  const list = await execa('ip', ['netns', 'list'], { reject: false });
  const namespaces = String(list.stdout)
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((ns) => nsPattern.test(ns));
  await Promise.all(namespaces.map(killNetnsProcesses));
  await Promise.all(namespaces.map((ns) => execa('ip', ['netns', 'del', ns], { reject: false })));
  const links = await execa('ip', ['-o', 'link', 'show'], { reject: false });
  const ours = new RegExp(`^\\d+: (${lan}-br|${lan}-n\\d+-h)[@:]`);
  const names = String(links.stdout)
    .split('\n')
    .map((line) => ours.exec(line)?.[1])
    .filter((n): n is string => n !== undefined);
  await Promise.all(names.map((n) => execa('ip', ['link', 'del', n], { reject: false })));
  const prefix = tempPrefix(lan);
  const entries = await readdir(tmpdir());
  await Promise.all(
    entries
      .map((e) => join(tmpdir(), e))
      .filter((p) => p.startsWith(prefix))
      .map((p) => rm(p, { recursive: true, force: true })),
  );
}

async function killNetnsProcesses(ns: string): Promise<void> {
  const r = await execa('ip', ['netns', 'pids', ns], { reject: false });
  const pids = String(r.stdout).split(/\s+/).filter(Boolean).map(Number);
  for (const pid of pids) killQuietly(pid);
  // The temp dir can only go once dockerd has stopped writing into it.
  await waitUntil(2000, async () => pids.every((pid) => !alive(pid)));
}

export function killQuietly(pid: number): void {
  if (!(pid > 0)) return; // kill(0) or kill(-1) would hit our own process group or everything
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** A zombie counts as gone: its parent may be an init that never reaps. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Polls until check() is true; false on timeout. */
export async function waitUntil(timeoutMs: number, check: () => Promise<boolean>, stepMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
