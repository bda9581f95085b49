import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { execa } from 'execa';
import { FailError, UsageError } from '../errors.js';
import type { Prompter } from '../io/prompt.js';
import type { Credentials } from './auth.js';
import { dockerConfigFile, lookupDockerConfig, parseHelperAnswer, type DockerConfig } from './docker-config.js';
import type { CredentialSource } from './http.js';

export type HelperResult = { ok: true; stdout: string } | { ok: false; why: string };

export interface CredentialDeps {
  env?: NodeJS.ProcessEnv;
  home?: string;
  interactive?: boolean;
  prompter?: () => Promise<Prompter>;
  readStdin?: () => Promise<string>;
  runHelper?: (helper: string, address: string) => Promise<HelperResult>;
}

/** `docker-credential-NAME get`: the address on stdin, JSON on stdout; the secret never touches argv. */
export async function runCredentialHelper(helper: string, address: string): Promise<HelperResult> {
  const program = `docker-credential-${helper}`;
  const r = await execa(program, ['get'], { input: address, reject: false, timeout: 30_000, stripFinalNewline: true });
  if ((r as { code?: string }).code === 'ENOENT' || /ENOENT/.test(String(r.shortMessage ?? ''))) return { ok: false, why: `${program} is not installed` };
  if (r.exitCode === 0) return { ok: true, stdout: String(r.stdout) };
  const said = `${String(r.stdout)} ${String(r.stderr)}`.trim();
  if (/not found/i.test(said)) return { ok: false, why: `${program} has none for ${address}` };
  return { ok: false, why: `${program} failed: ${said.split('\n')[0]?.slice(0, 160) || `exit ${r.exitCode}`}` };
}

function cleanPassword(raw: string, user: string): string {
  const password = raw.replace(/\r?\n$/, '');
  if (password.length === 0) throw new UsageError(`the password for ${user} on stdin is empty`);
  if (/[\r\n]/.test(password)) throw new UsageError(`the password for ${user} on stdin has more than one line`);
  return password;
}

function readDockerConfig(file: string): DockerConfig | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null; // no docker login here: not an error
  }
  try {
    return JSON.parse(text) as DockerConfig;
  } catch (err) {
    throw new FailError(`${file} is not valid JSON (${(err as Error).message}); fix it or pass --user NAME --password-stdin`);
  }
}

/**
 * The order: --user with --password-stdin; the Docker config's helper, then its
 * `auths` entry; a hidden prompt on a terminal; else a usage error naming
 * --password-stdin. Asked at most once, and only when the registry wants it.
 */
export function credentialSource(address: string, opts: { user?: string; passwordStdin: boolean }, deps: CredentialDeps = {}): CredentialSource {
  const notes: string[] = [];
  const get = async (): Promise<Credentials | null> => {
    if (opts.passwordStdin && opts.user) {
      const { readStdin } = deps.readStdin ? { readStdin: deps.readStdin } : await import('../io/stdin.js');
      return { username: opts.user, password: cleanPassword(await readStdin(), opts.user), source: '--password-stdin' };
    }
    const fromConfig = await fromDockerConfig(address, opts.user, deps, notes);
    if (fromConfig) return fromConfig;
    const interactive = deps.interactive ?? Boolean(process.stdin.isTTY && process.stdout.isTTY);
    if (!interactive) return null;
    const ask = deps.prompter ? await deps.prompter() : await (await import('../io/prompt.js')).createTerminalPrompter();
    const username = opts.user ?? (await ask.input(`Username for ${address}`, undefined, (v) => (v.trim() && !v.includes(':') ? true : 'a user name, without ":"'))).trim();
    const password = await ask.password(`Password for ${username} at ${address}`, (v) => (v.length > 0 ? true : 'the password is empty'));
    return { username, password, source: 'the prompt' };
  };
  return {
    get,
    missing: () => new UsageError(`${address} wants a user and password and none was found${notes.length ? ` (${notes.join('; ')})` : ''}: pass --user NAME --password-stdin, or docker login ${address}`),
  };
}

async function fromDockerConfig(address: string, user: string | undefined, deps: CredentialDeps, notes: string[]): Promise<Credentials | null> {
  const file = dockerConfigFile(deps.env ?? process.env, deps.home ?? homedir());
  const config = readDockerConfig(file);
  if (!config) return null;
  const found = lookupDockerConfig(config, address);
  // --user alone picks only that user's entry; another user's stored password is not theirs.
  const fits = (username: string) => user === undefined || username === user;
  if (found.helper) {
    const r = await (deps.runHelper ?? runCredentialHelper)(found.helper, address);
    const pair = r.ok ? parseHelperAnswer(r.stdout) : null;
    if (pair && fits(pair.username)) return { ...pair, source: `docker-credential-${found.helper}` };
    notes.push(r.ok ? `docker-credential-${found.helper} gave no usable user and password` : r.why);
  }
  if (found.inline && fits(found.inline.username)) return { username: found.inline.username, password: found.inline.password, source: `${file} (auths "${found.inline.key}")` };
  if (found.tokenOnly) notes.push(`${file} holds only an identity token for ${address}`);
  return null;
}
