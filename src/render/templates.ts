import { compiledTemplate } from './compiled-templates.js';

/** Renders templates/NAME (src/render/template-helpers.ts: strict, unescaped, the `json` helper). */
export function renderTemplate(name: string, data: object): string {
  return compiledTemplate(name)(data);
}
