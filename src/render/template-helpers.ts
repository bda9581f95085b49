/**
 * How templates are compiled, the two ways: at run time from templates/ by
 * handlebars (src/render/compiled-templates.ts, under the tests), and at build
 * time into plain functions for the bundle (scripts/precompiled-templates.mjs,
 * which does the same, checked by test/unit/precompiled-templates.test.ts).
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
