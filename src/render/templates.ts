import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { packageFile } from '../io/package-files.js';

// Every scalar goes out as JSON, which YAML reads as a quoted string (or a number, a
// boolean, a flow list): a host like *.lan or a value like "on" cannot change meaning.
Handlebars.registerHelper('json', (value: unknown) => JSON.stringify(value));

/**
 * Strict mode turns a missing field into an error instead of an empty string,
 * and noEscape because these are config files, not HTML.
 */
export function renderTemplate(name: string, data: object): string {
  const source = readFileSync(packageFile(`templates/${name}`), 'utf8');
  return Handlebars.compile(source, { strict: true, noEscape: true })(data);
}
