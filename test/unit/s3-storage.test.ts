import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseState } from '../../src/bundle/read-state.js';
import { planBundleFiles, renderCompose, renderNginx } from '../../src/bundle/plan-files.js';
import { renderState, type BundleState } from '../../src/bundle/state.js';
import { resolveInitAnswers, type InitEnv, type InitFlags } from '../../src/commands/init/resolve.js';
import { planInit, issueMaterial } from '../../src/commands/init/plan.js';
import { pointUpstreamAt } from '../../src/maintenance/readonly-config.js';
import type { Prompter } from '../../src/io/prompt.js';
import { parseRegistryEnv, renderRegistryEnv } from '../../src/storage/registry-env.js';
import { parseS3Bucket, parseS3Endpoint } from '../../src/storage/s3-options.js';
import { FailError, UsageError } from '../../src/errors.js';
import { generateKeyPair } from '../../src/pki/keys.js';

const S3 = { endpoint: 'http://10.0.0.7:7480', bucket: 'registry', region: 'us-east-1', redirect: false };
const base: BundleState = {
  version: 1, mode: 'proxy', hosts: ['10.0.0.5'], port: 443, days: 825, caDays: 3650, keyType: 'ecdsa', bcryptCost: 5, auth: 'htpasswd',
  externalCa: false, image: 'registry:3.1.1', createdAt: '2026-01-01T00:00:00.000Z',
};
const s3State: BundleState = { ...base, storage: 's3', s3: S3, replicas: 2 };

const env = (over: Partial<InitEnv> = {}): InitEnv => ({
  interactive: false, detectedHosts: ['10.0.0.5'], readStdin: async () => 'AKID\nsecret/with+chars\n', randomBytes: (n) => new Uint8Array(n).fill(7), environ: {}, ...over,
});
const s3Flags: InitFlags = { yes: true, storage: 's3', s3Endpoint: 'http://10.0.0.7:7480', s3Bucket: 'registry' };

function scripted(answers: string[]): Prompter & { asked: string[]; hidden: string[] } {
  const asked: string[] = [];
  const hidden: string[] = [];
  const next = async (m: string, v?: (s: string) => true | string) => {
    asked.push(m);
    const a = answers.shift();
    if (a === undefined) throw new Error(`unexpected question: ${m}`);
    if ((v?.(a) ?? true) !== true) throw new Error(`rejected ${a}`);
    return a;
  };
  return { asked, hidden, input: (m, _i, v) => next(m, v), select: (m) => next(m), password: (m, v) => (hidden.push(m), next(m, v)), note: (l) => void asked.push(`note: ${l}`) };
}

describe('--storage s3 flags', () => {
  it('takes the keys from --s3-credentials-stdin, else the AWS_* environment', async () => {
    const a = await resolveInitAnswers({ ...s3Flags, s3CredentialsStdin: true }, env());
    expect(a.storage).toEqual({ storage: 's3', s3: S3, keys: { accessKey: 'AKID', secretKey: 'secret/with+chars', from: '--s3-credentials-stdin' }, createBucket: false, replicas: 1 });
    const b = await resolveInitAnswers(s3Flags, env({ environ: { AWS_ACCESS_KEY_ID: 'A2', AWS_SECRET_ACCESS_KEY: 'S2' } }));
    expect(b.storage.keys).toEqual({ accessKey: 'A2', secretKey: 'S2', from: 'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY' });
  });

  it('the wizard asks what the flags leave open, and the secret with a hidden prompt', async () => {
    const prompt = scripted(['', 'http://rgw.lan:7480', 'images', 'eu-west-1', 'stream', 'AKID', 'SECRET']); // no mirrors, then S3
    const a = await resolveInitAnswers({ host: ['10.0.0.5'], mode: 'proxy', port: '443', auth: 'htpasswd', user: ['u'], storage: 's3' },
      env({ interactive: true, prompt: { ...prompt, password: async (m, v) => (m.startsWith('Password') || m.startsWith('Repeat') ? 'pw' : prompt.password(m, v)) } }));
    expect(a.storage.s3).toEqual({ endpoint: 'http://rgw.lan:7480', bucket: 'images', region: 'eu-west-1', redirect: false });
    expect(a.storage.keys).toMatchObject({ accessKey: 'AKID', secretKey: 'SECRET' });
    expect(prompt.hidden).toEqual(['S3 secret key']);
    expect(prompt.asked.some((q) => q.includes('every client must then reach the endpoint'))).toBe(true);
  });

  it('--replicas implies proxy mode', async () => {
    const a = await resolveInitAnswers({ ...s3Flags, s3CredentialsStdin: true, replicas: '3' }, env());
    expect(a.mode).toBe('proxy');
    expect(a.port).toBe(443);
    expect(a.storage.replicas).toBe(3);
  });

  it.each<[InitFlags, RegExp]>([
    [{ yes: true, s3Bucket: 'bbb' }, /^--s3-bucket needs --storage s3$/],
    [{ yes: true, storage: 'filesystem', s3Endpoint: 'http://x' }, /^--s3-endpoint is for --storage s3, not filesystem$/],
    [{ yes: true, storage: 'nfs' }, /^--storage "nfs" is not one of: filesystem, s3$/],
    [{ yes: true, s3Redirect: false }, /^--\[no-\]s3-redirect needs --storage s3$/],
    [{ yes: true, replicas: '2' }, /^--replicas 2 needs --storage s3/],
    [{ ...s3Flags, replicas: '2', mode: 'tls' }, /^--replicas 2 needs --mode proxy/],
    [{ ...s3Flags, replicas: '99' }, /^--replicas "99" must be a whole number from 1 to 16$/],
    [{ ...s3Flags, s3CredentialsStdin: true, user: ['u'], passwordStdin: true }, /both read stdin/],
    [{ ...s3Flags }, /^missing --s3-credentials-stdin: /],
    [{ yes: true, storage: 's3', s3CredentialsStdin: true }, /^missing --s3-bucket: /],
    [{ ...s3Flags, s3Endpoint: 'ftp://x' }, /^--s3-endpoint "ftp:\/\/x" must start with http:\/\/ or https:\/\/$/],
    [{ ...s3Flags, s3Endpoint: 'http://k:s@x' }, /must not hold credentials/],
    [{ ...s3Flags, s3Endpoint: 'http://x/bucket' }, /must be only scheme, host and port/],
    [{ ...s3Flags, s3Bucket: 'Upper_Case' }, /^--s3-bucket "Upper_Case" must be a bucket name/],
    [{ ...s3Flags, s3Region: 'US East' }, /^--s3-region "US East" must be a region name/],
  ])('%j is refused with one line', async (flags, message) => {
    const err = await resolveInitAnswers(flags, env()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('refuses keys that are not one printable line, naming where they came from', async () => {
    await expect(resolveInitAnswers({ ...s3Flags, s3CredentialsStdin: true }, env({ readStdin: async () => 'AK\n\n' }))).rejects.toThrow(/^--s3-credentials-stdin: the secret \(line 2\)/);
    await expect(resolveInitAnswers(s3Flags, env({ environ: { AWS_ACCESS_KEY_ID: 'A' } }))).rejects.toThrow(/^AWS_SECRET_ACCESS_KEY is not set/);
    await expect(resolveInitAnswers(s3Flags, env({ environ: { AWS_ACCESS_KEY_ID: 'A B', AWS_SECRET_ACCESS_KEY: 'S' } }))).rejects.toThrow(/^AWS_ACCESS_KEY_ID must be one line/);
  });

  it('validators: endpoints keep scheme, host and port only; bucket names follow S3', () => {
    expect(parseS3Endpoint('https://s3.example.com/')).toBe('https://s3.example.com');
    expect(parseS3Endpoint('http://[::1]:7480')).toBe('http://[::1]:7480');
    for (const ok of ['abc', 'my.bucket-1']) expect(parseS3Bucket(ok)).toBe(ok);
    for (const bad of ['ab', 'a..b', '192.168.0.1', '-abc', 'abc-']) expect(() => parseS3Bucket(bad)).toThrow(UsageError);
  });
});

describe('registry-setup.yml: storage, s3, replicas', () => {
  it('reads back what renderState writes; absent fields mean filesystem and one instance', () => {
    expect(parseState(renderState(s3State), 'f')).toEqual(s3State);
    expect(parseState(renderState(base), 'f')).toEqual(base);
  });

  it.each<[Record<string, unknown>, RegExp]>([
    [{ storage: 'nfs' }, /^f: storage "nfs" is not one of: filesystem, s3$/],
    [{ storage: 's3' }, /^f: s3 is missing$/],
    [{ storage: 's3', s3: { ...S3, endpoint: 'rgw:7480' } }, /^f: s3\.endpoint "rgw:7480"/],
    [{ storage: 's3', s3: { ...S3, redirect: 'yes' } }, /^f: s3\.redirect "yes" must be true or false$/],
    [{ s3: S3 }, /^f: s3 is set but storage is not "s3"$/],
    [{ storage: 's3', s3: S3, replicas: 2, mode: 'tls' }, /^f: replicas 2 needs storage "s3" and mode "proxy"/],
    [{ replicas: 2 }, /^f: replicas 2 needs storage "s3"/],
    [{ storage: 's3', s3: S3, replicas: 0 }, /^f: replicas "?0"? must be a whole number from 1 to 16$/],
  ])('%j fails with one line naming the file and key', (over, message) => {
    const err = (() => {
      try {
        parseState(JSON.stringify({ ...base, ...over }), 'f');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(FailError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('an s3 bundle with --replicas 2, as planned', () => {
  const material = { caCertPem: 'CA\n', caKeyPem: 'CAKEY\n', certPem: 'C\n', keyPem: 'K\n', htpasswd: 'a:$2y$05$x\n', registryEnv: 'REGISTRY_STORAGE_S3_ACCESSKEY=ZZ-ACCESS-ZZ\n' };
  const files = planBundleFiles(s3State, material);
  const get = (p: string) => files.find((f) => f.path === p);

  it('env/registry.env is 0600 and the only file with the keys; config.yml names the bucket and the shared cache', () => {
    expect(get('env/registry.env')).toEqual({ path: 'env/registry.env', contents: material.registryEnv, mode: 0o600 });
    expect(files.filter((f) => f.contents?.includes('ZZ-ACCESS-ZZ')).map((f) => f.path)).toEqual(['env/registry.env']);
    const config = parse(get('config.yml')!.contents!);
    expect(config.storage).toEqual({
      s3: { region: 'us-east-1', regionendpoint: 'http://10.0.0.7:7480', forcepathstyle: true, bucket: 'registry', secure: false, v4auth: true },
      redirect: { disable: true }, delete: { enabled: true }, cache: { blobdescriptor: 'redis' },
    });
    expect(config.redis).toEqual({ addr: 'redis:6379', addrs: ['redis:6379'] });
    expect(parse(planBundleFiles({ ...s3State, replicas: undefined, s3: { ...S3, redirect: true, endpoint: 'https://s3.lan' } }, material)
      .find((f) => f.path === 'config.yml')!.contents!).storage).toMatchObject({ s3: { secure: true }, cache: { blobdescriptor: 'inmemory' } });
  });

  it('compose: two registry services reading env/registry.env, with health checks, redis, and nginx after them', () => {
    const services = parse(renderCompose(s3State)).services;
    expect(Object.keys(services)).toEqual(['registry', 'registry-2', 'nginx', 'redis']);
    for (const s of ['registry', 'registry-2']) {
      expect(services[s].env_file).toEqual(['./env/registry.env']);
      expect(services[s].volumes).toEqual(['./.gen:/etc/registry-setup/.gen:ro']); // no data/, no store
      expect(services[s].healthcheck.test[0]).toBe('CMD');
      expect(services[s].depends_on).toEqual(['redis']);
    }
    expect(services['registry-2'].environment).toContain('REGISTRY_HTTP_ADDR=:5001');
    expect(services.nginx.depends_on).toEqual(['registry', 'registry-2']);
    expect(services.redis.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);
    // A filesystem bundle's compose file reads no env file.
    expect(renderCompose(base)).not.toContain('env_file');
  });

  it('nginx: one upstream over the instances, skipping a dead one for idempotent requests', () => {
    const conf = renderNginx(s3State);
    expect(conf).toMatch(/upstream docker-registry \{[^}]*server registry:5000;\s*server registry-2:5001;/);
    expect(conf).toContain('proxy_next_upstream error timeout http_502 http_503 http_504;');
    expect(renderNginx(base)).not.toContain('proxy_next_upstream');
  });

  it('gc points nginx at the read-only instance only: no writable instance stays upstream', () => {
    const conf = pointUpstreamAt(renderNginx(s3State), 'ro');
    expect(conf.match(/^\s*server\s+[\w.:-]+;/gm)!.map((l) => l.trim())).toEqual(['server ro:5000;']);
  });

  it('init writes one random http.secret beside the keys', async () => {
    const a = await resolveInitAnswers({ ...s3Flags, s3CredentialsStdin: true, replicas: '2' }, env());
    const keys = { leaf: await generateKeyPair({ type: 'ecdsa' }), ca: await generateKeyPair({ type: 'ecdsa' }) };
    const m = await issueMaterial(a, { now: new Date(), keys, outsideCa: null, random: (n) => new Uint8Array(n).fill(0xab) });
    expect(parseRegistryEnv(m.registryEnv!)).toEqual({ accessKey: 'AKID', secretKey: 'secret/with+chars', httpSecret: 'ab'.repeat(32) });
    expect(planInit(a, { now: new Date(), outsideCa: false, material: null }).files.find((f) => f.path === 'env/registry.env')).toMatchObject({ contents: null, mode: 0o600 });
    expect(renderRegistryEnv({ accessKey: 'a', secretKey: 'b', httpSecret: 'c' })).toMatch(/^REGISTRY_HTTP_SECRET=c$/m);
  });
});
