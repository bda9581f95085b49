import { readFileSync } from 'node:fs';

const DIR = new URL('../../templates/remote/', import.meta.url);
const cache = new Map<string, string>();

export type ScriptAsset = 'trust-lib.sh' | 'daemon-lib.sh' | 'undo-lib.sh' | 'daemon-json.awk';

/**
 * The fixed parts of the remote script live as real .sh/.awk files (readable, shellcheck-able,
 * and free of the `${...}` clash a TS template literal would have). Read once per process.
 */
export function readScriptAsset(name: ScriptAsset): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(name, DIR), 'utf8');
    cache.set(name, text);
  }
  return text;
}
