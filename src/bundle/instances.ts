import { PROXY_UPSTREAM_PORT } from '../render/registry-config.js';
import { replicasOf, storageOf, type BundleState } from './state.js';

/**
 * The registry services of a bundle. The first is always `registry`, so every command
 * that execs in it or restarts it (gc, renew, upgrade) works unchanged; more instances
 * (--replicas) are registry-2, registry-3, … Each listens on a port of its own
 * (REGISTRY_HTTP_ADDR), not needed in containers, but it names the instance in nginx's
 * log and lets the same file run with every service on one host network.
 */
export interface RegistryInstance {
  service: string;
  port: number;
}

export function registryInstances(state: Pick<BundleState, 'replicas'>): RegistryInstance[] {
  return Array.from({ length: replicasOf(state) }, (_, i) => ({ service: i === 0 ? 'registry' : `registry-${i + 1}`, port: PROXY_UPSTREAM_PORT + i }));
}

/** The shared blob-descriptor cache (replicas only). */
export const REDIS_SERVICE = 'redis';
export const REDIS_ADDR = `${REDIS_SERVICE}:6379`;

/** S3 bundles read their keys from env/registry.env; filesystem ones have none. */
export const usesRegistryEnv = (state: Pick<BundleState, 'storage'>): boolean => storageOf(state) === 's3';
