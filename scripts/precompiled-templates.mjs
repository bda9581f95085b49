// An esbuild plugin: templates/*.hbs compiled at build time into plain functions (see src/render/compiled-templates.ts).
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

const root = fileURLToPath(new URL('../', import.meta.url));
const HELPERS = `${root}src/render/template-helpers.ts`;

/**
 * The templates use a small part of handlebars: {{name}}, {{json path}}, {{json this}},
 * {{#if path}}…{{/if}} and {{#each path}}…{{@key}}…{{/each}}. Handlebars' own parser
 * reads them (with its whitespace rules for standalone lines) and each node becomes
 * JavaScript that does what handlebars' strict, unescaped output does: a {{name}} that
 * is not in the data throws, a helper's argument is looked up as it is, a value goes
 * out as `'' + value` (null and undefined as nothing). So the CLI loads neither
 * handlebars' compiler nor its runtime. Anything else fails the build, naming the
 * template and line; test/unit/precompiled-templates.test.ts checks the output
 * against handlebars itself.
 */
function compileTemplate(name, source) {
  const fail = (node, what) => {
    throw new Error(`templates/${name}:${node.loc?.start.line ?? '?'}: ${what} is not in the subset scripts/precompiled-templates.mjs compiles`);
  };
  const param = (p, ctx) => {
    if (p.type !== 'PathExpression' || p.data || p.depth !== 0) fail(p, `the argument ${p.original}`);
    return p.parts.length === 0 ? ctx : `get(${ctx}, ${JSON.stringify(p.parts)})`;
  };
  const program = (prog, ctx, data) => {
    const parts = prog.body.map((node) => {
      if (node.type === 'ContentStatement') return JSON.stringify(node.value);
      const { path, params, hash } = node;
      if (hash || path.type !== 'PathExpression' || path.depth !== 0) fail(node, `{{${path.original} …}}`);
      if (node.type === 'MustacheStatement') {
        if (params.length === 0 && path.parts.length === 1 && !HELPER_NAMES.has(path.parts[0])) {
          return `out(value(strict(${path.data ? data : ctx}, ${JSON.stringify(path.parts[0])}), ${ctx}))`;
        }
        if (path.original === 'json' && params.length === 1) return `out(helpers.json.call(${ctx}, ${param(params[0], ctx)}))`;
        fail(node, `{{${path.original}}}`);
      }
      if (node.type === 'BlockStatement' && !node.inverse && params.length === 1) {
        if (path.original === 'if') return `(truthy(${param(params[0], ctx)}, ${ctx}) ? ${program(node.program, ctx, data)} : "")`;
        if (path.original === 'each') return `each(${param(params[0], ctx)}, ${ctx}, (c, d) => ${program(node.program, 'c', 'd')})`;
      }
      return fail(node, `{{#${path.original}}}`);
    });
    return parts.length === 0 ? '""' : `(${parts.join(' + ')})`;
  };
  return `(c, d) => ${program(Handlebars.parse(source), 'c', 'd')}`;
}

/** Handlebars' built-in helpers: a {{name}} that is one of these would call it, which the subset does not do. */
const HELPER_NAMES = new Set(['json', 'if', 'unless', 'each', 'with', 'log', 'lookup', 'helperMissing', 'blockHelperMissing']);

/** What compiled templates call: handlebars' strict lookup, its own-property lookup, #if's truth and #each's walk. */
const RUNTIME = `
const own = (parent, name) => (Object.prototype.hasOwnProperty.call(parent, name) ? parent[name] : undefined);
const get = (obj, parts) => parts.reduce((o, name) => (o[name] == null ? o[name] : own(o, name)), obj);
function strict(obj, name) {
  if (!obj || !(name in obj)) throw new Error(\`"\${name}" not defined in \${obj}\`);
  return get(obj, [name]);
}
function value(v, ctx) {
  if (typeof v === 'function') throw new Error('a template value is a function, which compiled templates do not call');
  return v;
}
const out = (v) => (v != null ? v : '');
function truthy(v, ctx) {
  const cond = typeof v === 'function' ? v.call(ctx) : v;
  return !(!cond || (Array.isArray(cond) && cond.length === 0));
}
function each(context, ctx, fn) {
  if (typeof context === 'function') context = context.call(ctx);
  if (!context || typeof context !== 'object') return '';
  if (!Array.isArray(context) && typeof context[Symbol.iterator] === 'function') throw new Error('#each over an iterable is not compiled');
  const keys = Array.isArray(context) ? [...context.keys()].filter((i) => i in context) : Object.keys(context);
  let ret = '';
  keys.forEach((key, index) => { ret += fn(context[key], { key, index, first: index === 0, last: index === keys.length - 1 }); });
  return ret;
}
`;

function compiledModule() {
  const names = readdirSync(`${root}templates`).filter((n) => n.endsWith('.hbs')).sort();
  const templates = names.map((n) => `  ${JSON.stringify(n)}: ${compileTemplate(n, readFileSync(`${root}templates/${n}`, 'utf8'))},`);
  return `import { registerTemplateHelpers } from ${JSON.stringify(HELPERS)};
const helpers = {};
registerTemplateHelpers({ registerHelper: (name, fn) => { helpers[name] = fn; } });
${RUNTIME}
const templates = {
${templates.join('\n')}
};
export function compiledTemplate(name) {
  const template = templates[name];
  if (!template) throw new Error(\`registry-setup has no template \${name}\`);
  return (data) => template(data, {});
}
`;
}

export const precompiledTemplates = {
  name: 'precompiled-templates',
  setup(b) {
    b.onResolve({ filter: /\/compiled-templates\.js$/ }, (args) =>
      args.importer.endsWith('/src/render/templates.ts') ? { path: 'compiled-templates', namespace: 'precompiled' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'precompiled' }, () => ({ contents: compiledModule(), loader: 'js', resolveDir: root }));
  },
};
