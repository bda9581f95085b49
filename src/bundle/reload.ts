import type { Mode } from './state.js';

/**
 * What makes the running stack serve a renewed certificate: both programs
 * read it only at start-up (the registry) or on reload (nginx).
 */
export function reloadArgs(mode: Mode): string[] | null {
  if (mode === 'tls') return ['compose', 'restart', 'registry'];
  if (mode === 'proxy') return ['compose', 'exec', '-T', 'nginx', 'nginx', '-s', 'reload'];
  return null; // insecure: nothing serves the certificate
}

/** The exact line a person runs, e.g. `cd /srv/registry && docker compose restart registry`. */
export function reloadCommand(dir: string, mode: Mode): string | null {
  const args = reloadArgs(mode);
  return args && `cd ${shellQuote(dir)} && docker ${args.join(' ')}`;
}

/** Single-quotes a word for sh unless it is plainly safe. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
