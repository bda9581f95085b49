// The CLI bundle (dist/): esbuild, with the templates precompiled and Node's built-ins required.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { precompiledTemplates } from './precompiled-templates.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
/**
 * Node's built-in modules through require, not import: an ESM import of a built-in
 * builds its whole namespace, which runs every lazy getter (node:crypto's webcrypto,
 * node:fs's promises, …); require loads only what the code then touches. Commander
 * gets a child_process that loads on first use: it spawns only for executable
 * subcommands, which registry-setup has none of, and loading it costs net and dgram.
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => (args.kind === 'import-statement' ? { path: args.path, namespace: 'builtin' } : undefined));
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      (args.kind === 'require-call' && args.importer.includes('/commander/') ? { path: 'lazy-child-process', namespace: 'builtin' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      loader: 'js',
      contents: args.path === 'lazy-child-process'
        ? "let cp; module.exports = new Proxy({}, { get: (_, name) => (cp ??= require('node:child_process'))[name] });"
        : `module.exports = require(${JSON.stringify(args.path)});`,
    }));
  },
};

rmSync(`${root}dist`, { recursive: true, force: true });
await build({
  entryPoints: [`${root}src/cli.ts`],
  bundle: true,
  platform: 'node',
  format: 'esm',
  splitting: true,
  target: 'node20',
  outdir: `${root}dist`,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  // bundled CommonJS (commander, handlebars' runtime) calls require for node: builtins
  banner: { js: "import { createRequire as __rsCreateRequire } from 'node:module'; const require = __rsCreateRequire(import.meta.url);" },
  plugins: [precompiledTemplates, builtinsByRequire],
});
