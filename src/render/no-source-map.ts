/**
 * The bundle resolves handlebars' optional `source-map` import to this empty module
 * (package.json's build: --alias). handlebars uses it only to map compiled templates
 * back to their source, which registry-setup never asks for, and falls back to its
 * own small code when it is absent; leaving it out keeps 60 kB of JavaScript out of
 * every command's start-up.
 */
export {};
