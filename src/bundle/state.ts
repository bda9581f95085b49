import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { FailError } from '../errors.js';

export const MODES = ['tls', 'proxy', 'insecure'] as const;
export type Mode = (typeof MODES)[number];

/** The contract later commands rely on: these paths never move. */
export const BUNDLE_FILES = {
  caCert: 'ca/ca.crt',
  caKey: 'ca/ca.key',
  cert: 'certs/registry.crt',
  key: 'certs/registry.key',
  htpasswd: 'auth/htpasswd',
  config: 'config.yml',
  compose: 'docker-compose.yml',
  nginx: 'nginx/registry.conf',
  state: 'registry-setup.yml',
} as const;

/** init's answers, minus secrets. */
export interface BundleState {
  version: 1;
  mode: Mode;
  hosts: string[];
  port: number;
  days: number;
  caDays: number;
  keySize: number;
  caKeySize: number;
  bcryptCost: number;
  externalCa: boolean;
  image: string;
  createdAt: string;
}

export function renderState(state: BundleState): string {
  return `# registry-setup's record of this bundle. Later commands read it; it holds no secrets.\n${stringify(state)}`;
}

export function parseState(text: string, file: string): BundleState {
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new FailError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const s = data as Partial<BundleState> | null;
  const ok =
    s && s.version === 1 && MODES.includes(s.mode as Mode) && Array.isArray(s.hosts) && s.hosts.length > 0 &&
    Number.isInteger(s.port) && Number.isInteger(s.days);
  if (!ok) throw new FailError(`${file} is not a registry-setup bundle record (missing mode, hosts, port or days)`);
  return s as BundleState;
}

/** Reads DIR/registry-setup.yml, with one clear line when the bundle is not there. */
export function readBundleState(dir: string): BundleState {
  const file = join(dir, BUNDLE_FILES.state);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FailError(`no bundle in ${dir}: ${file} is missing (run registry-setup init, or pass --dir)`);
    throw new FailError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return parseState(text, file);
}
