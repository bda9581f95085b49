import { existsSync } from 'node:fs';

let root: URL | undefined;

/**
 * The package's own directory, found by walking up from this module to package.json:
 * the same code runs as src/io/*.ts under the tests and bundled into dist/*.js, at
 * different depths, and both must find templates/ beside them.
 */
export function packageFile(rel: string): URL {
  if (!root) {
    let dir = new URL('./', import.meta.url);
    while (!existsSync(new URL('package.json', dir))) {
      const up = new URL('../', dir);
      if (up.href === dir.href) throw new Error(`registry-setup's package.json was not found above ${import.meta.url}`);
      dir = up;
    }
    root = dir;
  }
  return new URL(rel, root);
}
