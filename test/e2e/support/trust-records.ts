import { rmdir } from 'node:fs/promises';
import type { LanNode } from './lan.js';

const RECORDS = '/var/lib/registry-setup';

/**
 * The lan's nodes share the machine's /var/lib, where trust-node keeps what it changed on a
 * node. A tmpfs per node gives each its own, as on a real machine. The mount point itself is
 * created once on the shared root fs; removeRecordMountPoint() takes it away again.
 */
export async function isolateTrustRecords(nodes: LanNode[]): Promise<void> {
  await Promise.all(
    nodes.map(async (node) => {
      const r = await node.exec(`mkdir -p ${RECORDS} && mount -t tmpfs -o mode=0755 tmpfs ${RECORDS}`);
      if (r.exitCode !== 0) throw new Error(`${node.name}: cannot mount a record dir: ${r.stderr}`);
    }),
  );
}

/** Removes the empty mount point once the nodes are gone (never a non-empty dir). */
export async function removeRecordMountPoint(): Promise<void> {
  await rmdir(RECORDS).catch(() => {});
}
