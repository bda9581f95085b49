import { readOptional } from '../bundle/load.js';
import { registryInstances } from '../bundle/instances.js';
import { BUNDLE_FILES, storageOf, type BundleState } from '../bundle/state.js';
import { parseRegistryEnv } from './registry-env.js';
import type { S3Record } from './s3-options.js';

/**
 * status's storage part: where the blobs are and, for a bucket, whether the store
 * answers the bundle's own keys (one signed HEAD, as init made), and the registry
 * instances compose runs. A filesystem bundle reports its kind only and asks nothing.
 */
export type StorageStatus =
  | { kind: 'filesystem' }
  | (S3Record & { kind: 's3'; reachable: boolean; error?: string });

export interface InstanceStatus {
  service: string;
  /** null: docker compose could not tell (no docker here, say). */
  running: boolean | null;
}

export async function assessStorage(dir: string, state: BundleState): Promise<{ storage: StorageStatus; instances?: InstanceStatus[]; problems: string[] }> {
  if (storageOf(state) !== 's3' || !state.s3) return { storage: { kind: 'filesystem' }, problems: [] };
  const problems: string[] = [];
  const env = parseRegistryEnv(readOptional(dir, BUNDLE_FILES.registryEnv) ?? '');
  let storage: StorageStatus;
  if (!env) {
    storage = { kind: 's3', ...state.s3, reachable: false, error: `${BUNDLE_FILES.registryEnv} is missing or incomplete` };
    problems.push(`${BUNDLE_FILES.registryEnv} is missing or incomplete: the registry has no keys for bucket ${state.s3.bucket}`);
  } else {
    try {
      const { checkBucket } = await import('./s3-probe.js');
      await checkBucket(state.s3, { accessKey: env.accessKey, secretKey: env.secretKey, from: BUNDLE_FILES.registryEnv }, false);
      storage = { kind: 's3', ...state.s3, reachable: true };
    } catch (err) {
      const error = (err as Error).message;
      storage = { kind: 's3', ...state.s3, reachable: false, error };
      problems.push(`the bucket does not answer: ${error}`);
    }
  }
  const { createComposeStack } = await import('../stack/compose-stack.js');
  const stack = createComposeStack(dir);
  const instances = registryInstances(state).map(({ service }) => {
    try {
      return { service, running: stack.isRunning(service) };
    } catch {
      return { service, running: null };
    }
  });
  const down = instances.filter((i) => i.running === false);
  // A stack that is not up at all is not a storage problem; some instances down while others run is.
  if (down.length > 0 && down.length < instances.length) problems.push(`registry instance${down.length > 1 ? 's' : ''} ${down.map((i) => i.service).join(', ')} not running: docker compose up -d`);
  return { storage, instances, problems };
}
