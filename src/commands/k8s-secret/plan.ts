import type { NodeLogin } from '../../bundle/node-login.js';

/**
 * The kubelet reads neither docker's config.json nor registries.yaml: a Pod names a Secret
 * of type kubernetes.io/dockerconfigjson in imagePullSecrets. Pure: text in, text out.
 */
export function renderDockerConfigJson(addresses: readonly string[], login: NodeLogin): string {
  const auth = Buffer.from(`${login.user}:${login.password}`).toString('base64');
  const auths = Object.fromEntries(addresses.map((a) => [a, { username: login.user, password: login.password, auth }]));
  return `${JSON.stringify({ auths }, null, 2)}\n`;
}

export function renderPullSecret(opts: { name: string; namespace: string | null; dockerConfigJson: string }): string {
  // Every value is a plain name or base64, which YAML takes unquoted; JSON quoting keeps that certain.
  return [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    `  name: ${JSON.stringify(opts.name)}`,
    ...(opts.namespace ? [`  namespace: ${JSON.stringify(opts.namespace)}`] : []),
    '  labels:',
    '    app.kubernetes.io/managed-by: registry-setup',
    'type: kubernetes.io/dockerconfigjson',
    'data:',
    `  .dockerconfigjson: ${Buffer.from(opts.dockerConfigJson).toString('base64')}`,
    '',
  ].join('\n');
}
