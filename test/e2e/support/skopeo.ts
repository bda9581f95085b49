import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/**
 * skopeo as the real registry client. Every call returns the outcome instead
 * of throwing, so tests can assert on failures (401, x509) as well as success.
 */

export interface RegistryOpts {
  /** A directory holding ca.crt (docker certs.d style). Pass an empty dir to trust no private CA. */
  certDir?: string;
  creds?: { username: string; password: string };
  /**
   * How creds reach skopeo. 'authfile' (default) writes a temp auth.json (0600,
   * removed afterwards) so the password never sits in argv; 'argv' uses
   * --creds user:pass, acceptable in tests only.
   */
  credsVia?: 'authfile' | 'argv';
  /** Default true: skopeo verifies TLS on loopback too. */
  tlsVerify?: boolean;
  timeoutMs?: number;
}

export interface SkopeoResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The exact argv (with any password masked), for failure messages. */
  command: string;
}

/** Writes a docker/containers auth.json for one registry; returns its path and a cleanup. */
export async function writeAuthFile(
  registryHost: string,
  creds: { username: string; password: string },
): Promise<{ file: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'skopeo-auth-'));
  const file = path.join(dir, 'auth.json');
  const auth = Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
  await writeFile(file, JSON.stringify({ auths: { [registryHost]: { auth } } }), { mode: 0o600 });
  return { file, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** "docker://127.0.0.1:5443/repo:tag" -> "127.0.0.1:5443"; undefined for non-registry refs. */
function registryHostOf(ref: string): string | undefined {
  return ref.startsWith('docker://') ? ref.slice('docker://'.length).split('/')[0] : undefined;
}

/** Builds the flags for one side (prefix 'src-', 'dest-' or '' for inspect). */
async function sideFlags(prefix: string, ref: string, opts: RegistryOpts | undefined) {
  const args: string[] = [];
  let cleanup = async () => {};
  const host = registryHostOf(ref);
  if (!host || !opts) return { args, cleanup };
  if (opts.certDir) args.push(`--${prefix}cert-dir`, opts.certDir);
  args.push(`--${prefix}tls-verify=${opts.tlsVerify ?? true}`);
  if (opts.creds && (opts.credsVia ?? 'authfile') === 'authfile') {
    const auth = await writeAuthFile(host, opts.creds);
    args.push(`--${prefix}authfile`, auth.file);
    cleanup = auth.cleanup;
  } else if (opts.creds) {
    args.push(`--${prefix}creds`, `${opts.creds.username}:${opts.creds.password}`);
  } else {
    // Without this, skopeo would fall back to the invoking user's auth.json.
    args.push(`--${prefix}no-creds`);
  }
  return { args, cleanup };
}

async function run(args: string[], opts: RegistryOpts | undefined, secret?: string): Promise<SkopeoResult> {
  const r = await execa('skopeo', args, { reject: false, timeout: opts?.timeoutMs ?? 60_000 });
  const mask = (s: string) => (secret ? s.split(secret).join('***') : s);
  return {
    exitCode: r.exitCode ?? -1,
    stdout: r.stdout,
    stderr: r.stderr + (r.timedOut ? '\n(skopeo timed out)' : ''),
    command: mask(['skopeo', ...args].join(' ')),
  };
}

/**
 * skopeo copy src dest. `opts` applies to whichever side is a docker:// ref
 * (or both). --preserve-digests makes skopeo fail rather than silently
 * re-encode, so a digest comparison after a round trip means something.
 */
export async function skopeoCopy(src: string, dest: string, opts: RegistryOpts = {}): Promise<SkopeoResult> {
  const s = await sideFlags('src-', src, opts);
  const d = await sideFlags('dest-', dest, opts);
  try {
    const args = ['copy', '--preserve-digests', ...s.args, ...d.args, src, dest];
    return await run(args, opts, opts.creds?.password);
  } finally {
    await Promise.all([s.cleanup(), d.cleanup()]);
  }
}

/** Pushes oci:layoutDir:tag to `ref`, e.g. "127.0.0.1:5443/demo/hello:v1" (docker:// optional). */
export function pushLayout(layoutDir: string, tag: string, ref: string, opts: RegistryOpts = {}) {
  return skopeoCopy(`oci:${layoutDir}:${tag}`, dockerRef(ref), opts);
}

/** Pulls `ref` into the OCI layout dir (created if needed) under `tag`. */
export function pullToLayout(ref: string, dir: string, tag: string, opts: RegistryOpts = {}) {
  return skopeoCopy(dockerRef(ref), `oci:${dir}:${tag}`, opts);
}

/** The manifest digest the registry serves for `ref` ("sha256:..."), or undefined with the failure. */
export async function inspectDigest(
  ref: string,
  opts: RegistryOpts = {},
): Promise<SkopeoResult & { digest?: string }> {
  const full = dockerRef(ref);
  const side = await sideFlags('', full, opts);
  try {
    const args = ['inspect', '--format', '{{.Digest}}', ...side.args, full];
    const r = await run(args, opts, opts.creds?.password);
    return r.exitCode === 0 ? { ...r, digest: r.stdout.trim() } : r;
  } finally {
    await side.cleanup();
  }
}

function dockerRef(ref: string): string {
  return ref.startsWith('docker://') ? ref : `docker://${ref}`;
}
