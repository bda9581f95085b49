import { jsonAwkProgram, readScriptAsset } from './script-assets.js';
import { VARS } from './script-contract.js';
import { shellQuote } from './shell-quote.js';
import type { NodeLogin, TrustPlan } from './trust-script.js';

/**
 * trust-node --login's part of the script: the two editors (config-json.awk, registries-yaml.awk),
 * --restart-k3s, and the credential as data the library hands to awk through its environment.
 */
/** The login as the node-side editors take it: JSON for config.json, quoted YAML scalars for registries.yaml. */
export function loginValues(login: NodeLogin): { dockerAuth: string; yamlUser: string; yamlPassword: string } {
  const auth = Buffer.from(`${login.user}:${login.password}`).toString('base64');
  return { dockerAuth: `{"auth": "${auth}"}`, yamlUser: yamlQuote(login.user), yamlPassword: yamlQuote(login.password) };
}

/** JSON's quoting is YAML's double-quoted style, except that YAML also wants DEL and C1 controls escaped. */
const yamlQuote = (text: string): string =>
  JSON.stringify(text).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function loginLines(plan: TrustPlan, redact: boolean): string[] {
  const q = shellQuote;
  const lines = [
    `${VARS.configAwk}=${q(jsonAwkProgram('config-json.awk'))}`,
    `${VARS.yamlAwk}=${q(readScriptAsset('registries-yaml.awk'))}`,
    `${VARS.restartK3s}=${plan.restartK3s ? 1 : 0}`,
  ];
  if (plan.login) {
    const v = redact ? loginValues({ user: plan.login.user, password: '<password, hidden>' }) : loginValues(plan.login);
    if (redact) v.dockerAuth = '{"auth": "<base64 of user:password, hidden>"}';
    lines.push(`${VARS.dockerAuth}=${q(v.dockerAuth)}`, `${VARS.yamlUser}=${q(v.yamlUser)}`, `${VARS.yamlPassword}=${q(v.yamlPassword)}`);
  }
  return lines;
}

