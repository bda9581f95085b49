import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { packageFile } from '../io/package-files.js';
import { TEMPLATE_OPTIONS, registerTemplateHelpers } from './template-helpers.js';

/**
 * Templates compiled at run time, from templates/. The bundle replaces this module
 * with the same templates precompiled at build time (src/build/build.mjs), so the
 * CLI loads only handlebars' small runtime, never its compiler.
 */
registerTemplateHelpers(Handlebars);

export function compiledTemplate(name: string): (data: object) => string {
  return Handlebars.compile(readFileSync(packageFile(`templates/${name}`), 'utf8'), TEMPLATE_OPTIONS);
}
