// The CLI bundle: esbuild, plus the templates precompiled (see src/render/compiled-templates.ts).
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import Handlebars from 'handlebars';

const root = fileURLToPath(new URL('../', import.meta.url));
// The one source of the compile options; esbuild reads the TypeScript for us.
const { TEMPLATE_OPTIONS } = await import(`data:text/javascript,${encodeURIComponent(
  (await build({ entryPoints: [`${root}src/render/template-helpers.ts`], bundle: true, format: 'esm', write: false, logLevel: 'warning' })).outputFiles[0].text,
)}`);

/** templates/*.hbs as Handlebars.template(spec) over the runtime-only build: no compiler at run time. */
function precompiledModule() {
  const names = readdirSync(`${root}templates`).filter((n) => n.endsWith('.hbs')).sort();
  const specs = names.map((n) => `  ${JSON.stringify(n)}: ${Handlebars.precompile(readFileSync(`${root}templates/${n}`, 'utf8'), TEMPLATE_OPTIONS)},`);
  return `import Handlebars from 'handlebars/runtime';
import { registerTemplateHelpers } from ${JSON.stringify(`${root}src/render/template-helpers.ts`)};
registerTemplateHelpers(Handlebars);
const specs = {
${specs.join('\n')}
};
export function compiledTemplate(name) {
  const spec = specs[name];
  if (!spec) throw new Error(\`registry-setup has no template \${name}\`);
  return Handlebars.template(spec);
}
`;
}

const precompiledTemplates = {
  name: 'precompiled-templates',
  setup(b) {
    b.onResolve({ filter: /\/compiled-templates\.js$/ }, (args) =>
      args.importer.endsWith('/src/render/templates.ts') ? { path: 'compiled-templates', namespace: 'precompiled' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'precompiled' }, () => ({ contents: precompiledModule(), loader: 'js', resolveDir: root }));
  },
};

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
  // bundled CommonJS (commander, bcryptjs, handlebars' runtime) calls require for node: builtins
  banner: { js: "import { createRequire as __rsCreateRequire } from 'node:module'; const require = __rsCreateRequire(import.meta.url);" },
  plugins: [precompiledTemplates, builtinsByRequire],
});
