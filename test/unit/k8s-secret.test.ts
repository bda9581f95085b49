import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderDockerConfigJson, renderPullSecret } from '../../src/commands/k8s-secret/plan.js';
import { resolveK8sSecret } from '../../src/commands/k8s-secret/resolve.js';

describe('k8s-secret', () => {
  const login = { user: 'nodes', password: 'p"w:x' };
  const config = renderDockerConfigJson(['10.0.0.5:5000', 'reg.lan'], login);

  it('holds username, password and auth for every address', () => {
    const auth = Buffer.from('nodes:p"w:x').toString('base64');
    expect(JSON.parse(config)).toEqual({ auths: { '10.0.0.5:5000': { ...{ username: 'nodes', password: 'p"w:x' }, auth }, 'reg.lan': { username: 'nodes', password: 'p"w:x', auth } } });
  });

  it('is a Secret kubectl takes, with the document base64 under .dockerconfigjson', () => {
    const doc = parseYaml(renderPullSecret({ name: 'pull', namespace: 'apps', dockerConfigJson: config }));
    expect(doc).toEqual({
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/dockerconfigjson',
      metadata: { name: 'pull', namespace: 'apps', labels: { 'app.kubernetes.io/managed-by': 'registry-setup' } },
      data: { '.dockerconfigjson': Buffer.from(config).toString('base64') },
    });
    expect(parseYaml(renderPullSecret({ name: 'pull', namespace: null, dockerConfigJson: config })).metadata).not.toHaveProperty('namespace');
  });

  it.each([
    [{ name: 'a_b' }, /--name "a_b" is not a Kubernetes name/],
    [{ name: 'x'.repeat(254) }, /--name .* at most 253/],
    [{ namespace: 'a.b' }, /--namespace "a.b" is not a Kubernetes name/],
    [{ user: 'u', generate: true }, /--user and --generate exclude each other/],
    [{ passwordStdin: true }, /--password-stdin reads the password of --user USER/],
    [{ user: 'bad:name' }, /user/],
  ])('refuses %o', (flags, error) => {
    expect(() => resolveK8sSecret({ dir: './registry', name: 'registry-setup-pull', ...flags })).toThrow(error);
  });
});
