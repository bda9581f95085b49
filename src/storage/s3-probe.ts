import { FailError } from '../errors.js';
import { DEFAULT_S3_REGION, type S3Record } from './s3-options.js';

/**
 * One signed request to the bucket, made before init writes anything and by status:
 * it proves the endpoint answers, the keys are right and the bucket is there. Signing
 * is aws4fetch's (SigV4, never ours) and the request undici's; both load only here, so
 * a filesystem bundle never pays for them.
 */
export interface S3Keys {
  accessKey: string;
  secretKey: string;
  /** Where the keys came from, for the one line a refusal prints: a flag or a variable. */
  from: string;
}

export type BucketState = 'ok' | 'created';

const TIMEOUT_MS = 10_000;

/** The bucket's URL: path style on an endpoint (RGW, MinIO: no DNS per bucket), virtual-hosted on AWS. */
export function bucketUrl(s3: Pick<S3Record, 'endpoint' | 'region' | 'bucket'>): string {
  return s3.endpoint ? `${s3.endpoint}/${s3.bucket}` : `https://${s3.bucket}.s3.${s3.region}.amazonaws.com`;
}

async function signedRequest(s3: Pick<S3Record, 'endpoint' | 'region' | 'bucket'>, keys: S3Keys, method: 'HEAD' | 'PUT', body?: string) {
  const [{ AwsV4Signer }, undici] = await Promise.all([import('aws4fetch'), import('undici')]);
  // In the built CLI a lazy import of CommonJS undici yields only its default export.
  const { request } = (undici as unknown as { default?: typeof undici }).default ?? undici;
  const signed = await new AwsV4Signer({
    method, url: bucketUrl(s3), body: body ?? null, service: 's3', region: s3.region,
    accessKeyId: keys.accessKey, secretAccessKey: keys.secretKey,
  }).sign();
  const res = await request(signed.url.toString(), {
    method, headers: Object.fromEntries(signed.headers.entries()), ...(body !== undefined && { body }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await res.body.text();
  return { status: res.statusCode, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1], region: res.headers['x-amz-bucket-region'] };
}

/** Why a request never got an answer, in words: ECONNREFUSED, a timeout, a name that does not resolve. */
function unreachable(err: unknown, where: string): FailError {
  const e = err as { code?: string; name?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? (e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer in ${TIMEOUT_MS / 1000} s` : null);
  if (!code) throw err; // not the network: a bug, shown as one
  return new FailError(`--s3-endpoint ${where} cannot be reached (${code}): check the address and that the store is running`);
}

/**
 * HEAD the bucket; with `create`, a missing one is made (PUT). Every refusal is one
 * line naming the flag to fix. Never echoes a key.
 */
export async function checkBucket(s3: Pick<S3Record, 'endpoint' | 'region' | 'bucket'>, keys: S3Keys, create: boolean): Promise<BucketState> {
  const where = s3.endpoint ?? `(AWS, ${s3.region})`;
  const send = async (method: 'HEAD' | 'PUT', body?: string) => {
    try {
      return await signedRequest(s3, keys, method, body);
    } catch (err) {
      throw unreachable(err, where);
    }
  };
  const head = await send('HEAD');
  if (head.status === 200) return 'ok';
  if (head.status === 404) {
    if (!create) throw new FailError(`--s3-bucket ${s3.bucket} does not exist at ${where}: create it, or pass --s3-create-bucket`);
    // Outside us-east-1, AWS wants the region in the body; RGW and MinIO take it too.
    const body = s3.region === DEFAULT_S3_REGION ? undefined
      : `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${s3.region}</LocationConstraint></CreateBucketConfiguration>`;
    const put = await send('PUT', body);
    if (put.status === 200) return 'created';
    throw new FailError(`--s3-create-bucket: ${where} refused to create ${s3.bucket} (HTTP ${put.status}${put.code ? ` ${put.code}` : ''})`);
  }
  if (head.status === 301 || (head.region && head.region !== s3.region)) {
    throw new FailError(`--s3-region ${s3.region} is not the bucket's region${head.region ? ` (${head.region})` : ''}`);
  }
  if (head.status === 403 || head.status === 401) {
    throw new FailError(`${where} refused the keys from ${keys.from} for bucket ${s3.bucket} (HTTP ${head.status}): check the access key and the secret`);
  }
  throw new FailError(`--s3-endpoint ${where} answered HTTP ${head.status} to a HEAD of bucket ${s3.bucket}: is it an S3 endpoint?`);
}
