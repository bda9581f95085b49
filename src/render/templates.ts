import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';

const TEMPLATE_DIR = new URL('../../templates/', import.meta.url);

/**
 * Strict mode turns a missing field into an error instead of an empty string,
 * and noEscape because these are config files, not HTML.
 */
export function renderTemplate(name: string, data: object): string {
  const source = readFileSync(new URL(name, TEMPLATE_DIR), 'utf8');
  return Handlebars.compile(source, { strict: true, noEscape: true })(data);
}
