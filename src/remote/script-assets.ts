import { readFileSync } from 'node:fs';

const DIR = new URL('../../templates/remote/', import.meta.url);
const cache = new Map<string, string>();

export type ScriptAsset = 'trust-lib.sh' | 'daemon-lib.sh' | 'undo-lib.sh' | 'login-lib.sh' | 'json-lib.awk' | 'daemon-json.awk' | 'config-json.awk' | 'registries-yaml.awk';

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

/** A JSON editor as the node runs it: the shared reader (json-lib.awk), then the program's own part. */
export function jsonAwkProgram(name: 'daemon-json.awk' | 'config-json.awk'): string {
  return `${readScriptAsset('json-lib.awk')}\n${readScriptAsset(name)}`;
}
