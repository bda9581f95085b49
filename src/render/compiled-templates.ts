import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { packageFile } from '../io/package-files.js';
import { TEMPLATE_OPTIONS, registerTemplateHelpers } from './template-helpers.js';

/**
 * Templates compiled at run time, from templates/. The bundle replaces this module
 * with the same templates compiled at build time into plain functions
 * (scripts/precompiled-templates.mjs), so the CLI loads no handlebars at all.
 */
registerTemplateHelpers(Handlebars);

export function compiledTemplate(name: string): (data: object) => string {
  return Handlebars.compile(readFileSync(packageFile(`templates/${name}`), 'utf8'), TEMPLATE_OPTIONS);
}
