/**
 * What every template is compiled with, shared by the two ways templates are
 * compiled: at run time from templates/ (src/render/compiled-templates.ts, under
 * the tests) and at build time into the bundle (src/build/build.mjs).
 *
 * Strict mode turns a missing field into an error instead of an empty string,
 * and noEscape because these are config files, not HTML.
 */
export const TEMPLATE_OPTIONS = { strict: true, noEscape: true } as const;

/**
 * Every scalar goes out as JSON, which YAML reads as a quoted string (or a number, a
 * boolean, a flow list): a host like *.lan or a value like "on" cannot change meaning.
 */
export function registerTemplateHelpers(hb: { registerHelper(name: string, fn: (value: unknown) => string): void }): void {
  hb.registerHelper('json', (value: unknown) => JSON.stringify(value));
}
