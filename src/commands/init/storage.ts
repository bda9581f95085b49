import { UsageError } from '../../errors.js';
import type { Mode } from '../../bundle/state.js';
import type { Prompter } from '../../io/prompt.js';
import {
  DEFAULT_S3_REGION, STORAGE_KINDS, parseReplicas, parseS3Bucket, parseS3Endpoint, parseS3Key, parseS3Region, type S3Record, type StorageKind,
} from '../../storage/s3-options.js';
import type { S3Keys } from '../../storage/s3-probe.js';
import { parseChoice, validateWith } from '../../options/values.js';

/** --storage, --s3-*, --replicas as commander hands them over. */
export interface StorageFlags {
  storage?: string;
  s3Endpoint?: string;
  s3Bucket?: string;
  s3Region?: string;
  s3CredentialsStdin?: boolean;
  s3CreateBucket?: boolean;
  /** --s3-redirect / --no-s3-redirect; undefined when neither was given. */
  s3Redirect?: boolean;
  replicas?: string;
  passwordStdin?: boolean;
  mode?: string;
}

export interface StorageAnswers {
  storage: StorageKind;
  s3?: S3Record;
  keys?: S3Keys;
  createBucket: boolean;
  replicas: number;
}

const S3_FLAGS = ['s3Endpoint', 's3Bucket', 's3Region', 's3CredentialsStdin', 's3CreateBucket', 's3Redirect'] as const;
const flagName = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Checked before any prompt: what the flags alone can get wrong. Returns the mode --replicas implies, if any. */
export function resolveStorageFlags(flags: StorageFlags) {
  const storage = flags.storage === undefined ? undefined : parseChoice(flags.storage, '--storage', STORAGE_KINDS);
  const replicas = flags.replicas === undefined ? undefined : parseReplicas(flags.replicas);
  const endpoint = flags.s3Endpoint === undefined ? undefined : parseS3Endpoint(flags.s3Endpoint);
  const bucket = flags.s3Bucket === undefined ? undefined : parseS3Bucket(flags.s3Bucket);
  const region = flags.s3Region === undefined ? undefined : parseS3Region(flags.s3Region);
  const given = S3_FLAGS.find((k) => flags[k] !== undefined && flags[k] !== false);
  if (storage === 'filesystem' && given) throw new UsageError(`${flagName(given)} is for --storage s3, not filesystem`);
  if (storage === undefined && given) throw new UsageError(`${flagName(given)} needs --storage s3`);
  if (flags.s3Redirect !== undefined && storage !== 's3') throw new UsageError('--[no-]s3-redirect needs --storage s3');
  if (flags.s3CredentialsStdin && flags.passwordStdin) {
    throw new UsageError('--s3-credentials-stdin and --password-stdin both read stdin: pass the keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead');
  }
  let impliedMode: Mode | undefined;
  if (replicas !== undefined && replicas > 1) {
    if (storage !== 's3') throw new UsageError(`--replicas ${replicas} needs --storage s3: the instances must share one bucket`);
    if (flags.mode !== undefined && flags.mode !== 'proxy') throw new UsageError(`--replicas ${replicas} needs --mode proxy: nginx spreads the requests over the instances`);
    impliedMode = 'proxy';
  }
  return { storage, replicas, endpoint, bucket, region, impliedMode };
}

export interface StorageEnv {
  ask?: Prompter;
  defaults: boolean;
  readStdin: () => Promise<string>;
  environ: Record<string, string | undefined>;
  missing: (flag: string, what: string) => UsageError;
}

/**
 * The storage answers. The wizard does not offer S3 by itself (a bucket and its keys are
 * something one sets out to use): --storage s3 chooses it, and then the wizard asks for
 * whatever the --s3-* flags leave open, the secret hidden.
 */
export async function resolveStorageAnswers(flags: StorageFlags, fixed: ReturnType<typeof resolveStorageFlags>, env: StorageEnv): Promise<StorageAnswers> {
  const { ask } = env;
  const storage: StorageKind = fixed.storage ?? 'filesystem';
  if (storage === 'filesystem') return { storage, createBucket: false, replicas: 1 };

  const endpoint = fixed.endpoint ?? (ask ? optional(await ask.input('S3 endpoint URL (empty for AWS itself)', '', (v) => v === '' || validateWith(() => parseS3Endpoint(v))), parseS3Endpoint) : undefined);
  const bucket = fixed.bucket ?? (ask ? parseS3Bucket(await ask.input('S3 bucket', 'registry', (v) => validateWith(() => parseS3Bucket(v)))) : undefined);
  if (!bucket) throw env.missing('--s3-bucket', 'the bucket that holds the images');
  const region = fixed.region ?? (ask ? parseS3Region(await ask.input('S3 region', DEFAULT_S3_REGION, (v) => validateWith(() => parseS3Region(v)))) : DEFAULT_S3_REGION);
  if (ask && flags.s3Redirect === undefined) {
    ask.note('Redirects send clients straight to the store for blobs (a 307 to a signed URL): the registry is offloaded,');
    ask.note('but every client must then reach the endpoint and trust its certificate. LAN nodes often cannot.');
  }
  const redirect = flags.s3Redirect ?? (ask
    ? (await ask.select('How should clients fetch blobs?', [
        { name: 'stream', hint: 'through the registry (works wherever the registry does)' },
        { name: 'redirect', hint: 'straight from the store (every client must reach it)' },
      ], 'stream')) === 'redirect'
    : false);
  const keys = await resolveKeys(flags, env);
  return { storage, s3: { ...(endpoint && { endpoint }), bucket, region, redirect }, keys, createBucket: Boolean(flags.s3CreateBucket), replicas: fixed.replicas ?? 1 };
}

/** --s3-credentials-stdin (two lines), else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else the wizard (secret hidden). */
async function resolveKeys(flags: StorageFlags, env: StorageEnv): Promise<S3Keys> {
  if (flags.s3CredentialsStdin) {
    const lines = (await env.readStdin()).split(/\r?\n/);
    const [access = '', secret = ''] = lines;
    if (lines.slice(2).some((l) => l.trim() !== '')) throw new UsageError('--s3-credentials-stdin reads two lines, the access key then the secret; there were more');
    return { accessKey: parseS3Key(access.trim(), '--s3-credentials-stdin: the access key (line 1)'), secretKey: parseS3Key(secret.trim(), '--s3-credentials-stdin: the secret (line 2)'), from: '--s3-credentials-stdin' };
  }
  const { AWS_ACCESS_KEY_ID: access, AWS_SECRET_ACCESS_KEY: secret } = env.environ;
  if (access || secret) {
    if (!access || !secret) throw new UsageError(`${access ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'} is not set: set both, or pass --s3-credentials-stdin`);
    return { accessKey: parseS3Key(access, 'AWS_ACCESS_KEY_ID'), secretKey: parseS3Key(secret, 'AWS_SECRET_ACCESS_KEY'), from: 'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY' };
  }
  if (env.ask) {
    const accessKey = await env.ask.input('S3 access key', '', (v) => validateWith(() => parseS3Key(v, 'the access key')));
    const secretKey = await env.ask.password('S3 secret key', (v) => validateWith(() => parseS3Key(v, 'the secret key')));
    return { accessKey, secretKey, from: 'the keys entered' };
  }
  throw env.missing('--s3-credentials-stdin', 'the S3 access key and secret (or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)');
}

const optional = <T>(v: string, parse: (v: string) => T): T | undefined => (v === '' ? undefined : parse(v));
