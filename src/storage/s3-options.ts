import { UsageError } from '../errors.js';
import { wholeNumber } from '../options/values.js';

/**
 * The values of --storage s3 and --replicas, each with the one validator that both the
 * flag and registry-setup.yml's field go through (options/values.ts says why).
 */
export const STORAGE_KINDS = ['filesystem', 's3'] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];

/** Where the blobs live when storage is s3. No secret: the keys are in env/registry.env only. */
export interface S3Record {
  /** Absent: AWS itself (https://s3.REGION.amazonaws.com). RGW and MinIO need one. */
  endpoint?: string;
  bucket: string;
  region: string;
  /** true: blob GETs answer 307 to a presigned URL on the store; false: the registry streams them. */
  redirect: boolean;
}

export const DEFAULT_S3_REGION = 'us-east-1';
/** More instances than this on one host only add memory: each streams at the store's pace. */
export const MAX_REPLICAS = 16;

const shown = (v: unknown) => JSON.stringify(v ?? null);

/** http(s)://HOST[:PORT], nothing else: the registry's regionendpoint takes no path, and keys never ride in a URL. */
export function parseS3Endpoint(value: unknown, label = '--s3-endpoint'): string {
  const bad = (why: string) => new UsageError(`${label} ${shown(value)} ${why}`);
  if (typeof value !== 'string' || value.trim() === '') throw bad('must be a URL such as http://10.0.0.7:7480');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad('is not a URL (expected http://HOST:PORT or https://HOST)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad('must start with http:// or https://');
  if (url.username || url.password) throw bad('must not hold credentials: pass the keys with --s3-credentials-stdin or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) throw bad('must be only scheme, host and port (the bucket goes in --s3-bucket)');
  return `${url.protocol}//${url.host}`;
}

/** S3's bucket naming rules (the strict, DNS-compatible ones, which RGW and MinIO also take). */
export function parseS3Bucket(value: unknown, label = '--s3-bucket'): string {
  if (typeof value !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) || value.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(value)) {
    throw new UsageError(`${label} ${shown(value)} must be a bucket name: 3-63 lowercase letters, digits, dots or hyphens`);
  }
  return value;
}

export function parseS3Region(value: unknown, label = '--s3-region'): string {
  if (typeof value !== 'string' || !/^[a-z0-9][a-z0-9-]{0,39}$/.test(value)) throw new UsageError(`${label} ${shown(value)} must be a region name such as us-east-1`);
  return value;
}

export const parseReplicas = (value: unknown, label = '--replicas') => wholeNumber(value, label, 1, MAX_REPLICAS);

/** A key as env/registry.env can carry it: one line, printable, no spaces at either end. */
export function parseS3Key(value: string, label: string): string {
  if (value === '' || !/^[\x21-\x7e]+$/.test(value)) throw new UsageError(`${label} must be one line of printable characters with no spaces`);
  return value;
}

export function parseS3Record(value: unknown, label = 's3'): S3Record {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${label} must be a mapping with bucket, region and redirect`);
  const v = value as Record<string, unknown>;
  if (typeof v.redirect !== 'boolean') throw new UsageError(`${label}.redirect ${shown(v.redirect)} must be true or false`);
  return {
    ...(v.endpoint !== undefined && { endpoint: parseS3Endpoint(v.endpoint, `${label}.endpoint`) }),
    bucket: parseS3Bucket(v.bucket, `${label}.bucket`),
    region: parseS3Region(v.region, `${label}.region`),
    redirect: v.redirect,
  };
}
