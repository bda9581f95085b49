// An esbuild plugin: templates/*.hbs precompiled into the bundle (see src/render/compiled-templates.ts).
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import Handlebars from 'handlebars';

const root = fileURLToPath(new URL('../../', import.meta.url));
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

export const precompiledTemplates = {
  name: 'precompiled-templates',
  setup(b) {
    b.onResolve({ filter: /\/compiled-templates\.js$/ }, (args) =>
      args.importer.endsWith('/src/render/templates.ts') ? { path: 'compiled-templates', namespace: 'precompiled' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'precompiled' }, () => ({ contents: precompiledModule(), loader: 'js', resolveDir: root }));
  },
};

