import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseTarget } from '../../../src/remote/ssh-target.js';
import { judgeHost } from '../../../src/remote/trust-result.js';
import { planTrust, renderTrustScript, type TrustAction } from '../../../src/remote/trust-script.js';
import { BASE, changes, dropNode, render, runScript, seed, seededNode, snapshot, stubCalls, SHELLS, type FakeNode } from './script-harness.js';

/**
 * trust-node --login on a fake node, under every sh: root's docker config.json and k3s/RKE2's
 * registries.yaml, merged and taken back exactly; a file it cannot read fails the host as it was.
 */
const target = parseTarget('root@node1');
const A = '10.0.0.5:5000';
const B = 'reg.lan:5000';
const LOGIN = { user: 'nodes', password: 'p"w\\x' };
const AUTH = Buffer.from(`${LOGIN.user}:${LOGIN.password}`).toString('base64');
const CJ = 'root/.docker/config.json';
// What `docker login` leaves, plus a credential helper: every byte of it must survive.
const THEIRS = `{\n\t"auths": {\n\t\t"other.example:443": {\n\t\t\t"auth": "b3RoZXI6cHc="\n\t\t}\n\t},\n\t"credsStore": "desktop",\n\t"credHelpers": {\n\t\t"gcr.io": "gcloud"\n\t}\n}`;

let node: FakeNode;
beforeEach(() => {
  node = seededNode();
});
afterEach(() => dropNode(node));

describe.each(SHELLS)('trust-node --login under %s', (_name, shell) => {
  const run = async (action: TrustAction, over = {}) => {
    const r = await runScript(shell, render(node, { action, runtimes: ['docker'], ...(action === 'untrust' ? { caPem: null } : { login: LOGIN }), ...over }));
    expect(r.stderr).toBe('');
    return { ...r, judged: judgeHost(action, target, r, { timeoutMs: 60_000 }) };
  };

  it('writes a 0600 config.json with an entry per address, then takes it all back', async () => {
    const before = snapshot(node);
    const first = await run('trust');
    expect(first.judged, first.stdout).toMatchObject({ result: 'changed' });
    const cj = JSON.parse(snapshot(node)[CJ]!.slice(4));
    expect(snapshot(node)[CJ]!.slice(0, 3)).toBe('600');
    expect(cj).toEqual({ auths: { [A]: { auth: AUTH }, [B]: { auth: AUTH } } });
    expect(snapshot(node)['root/.docker']).toBe('dir 700');
    const again = await run('trust');
    expect(again.judged).toMatchObject({ result: 'unchanged' });
    const undo = await run('untrust');
    expect(undo.judged, undo.stdout).toMatchObject({ result: 'changed' });
    expect(snapshot(node)).toEqual(before);
  });

  it('keeps every other key of an existing config.json, and restores it byte for byte', async () => {
    seed(node, { [CJ]: [THEIRS, 0o600] });
    const before = snapshot(node);
    const first = await run('trust');
    expect(first.judged, first.stdout).toMatchObject({ result: 'changed' });
    const cj = JSON.parse(snapshot(node)[CJ]!.slice(4));
    expect(cj).toEqual({ ...JSON.parse(THEIRS), auths: { 'other.example:443': { auth: 'b3RoZXI6cHc=' }, [A]: { auth: AUTH }, [B]: { auth: AUTH } } });
    expect(snapshot(node)[`${CJ}.bak-20260304T050607890Z`]).toBe(`600 ${THEIRS}`);
    await run('untrust');
    expect(snapshot(node)).toEqual(before);
  });

  it("replaces someone's entry for the address, and untrust puts theirs back", async () => {
    const theirs = `{"auths": {"${A}": {"auth": "dGhlaXJzOnB3"}, "x:1": {}}, "credsStore": "pass"}\n`;
    seed(node, { [CJ]: [theirs, 0o644] });
    await run('trust');
    expect(JSON.parse(snapshot(node)[CJ]!.slice(4)).auths[A]).toEqual({ auth: AUTH });
    expect(snapshot(node)[CJ]!.slice(0, 3)).toBe('600');
    // A second run with another password replaces ours, and still remembers theirs.
    await run('trust', { login: { user: 'nodes', password: 'other' } });
    await run('untrust');
    expect(snapshot(node)[CJ]).toBe(`600 ${theirs}`);
  });

  it('fails the host and leaves a config.json it cannot parse as it was', async () => {
    seed(node, { [CJ]: ['{"auths": {', 0o600] });
    const r = await run('trust');
    expect(r.judged).toMatchObject({ result: 'failed', error: expect.stringMatching(/^\/root\/\.docker\/config\.json was left as it was: expected a quoted key in auths/) });
    expect(snapshot(node)[CJ]).toBe('600 {"auths": {');
  });

  it('adds configs entries with auth and the CA to an existing k3s registries.yaml, says to restart, and takes them back', async () => {
    const yaml = 'mirrors:\n  docker.io:\n    endpoint:\n      - "https://mirror:5000"\nconfigs:\n  "other:1":\n    tls:\n      insecure_skip_verify: true\n';
    seed(node, { 'etc/rancher/k3s/registries.yaml': [yaml, 0o600] });
    const before = snapshot(node);
    const r = await run('trust', { runtimes: ['containerd'] });
    expect(r.judged, r.stdout).toMatchObject({ result: 'changed' });
    expect(r.judged.warnings).toContainEqual(expect.stringMatching(/^k3s\/RKE2 read registries.yaml only when they start/));
    const doc = parseYaml(snapshot(node)['etc/rancher/k3s/registries.yaml']!.slice(4));
    expect(doc.mirrors).toEqual({ 'docker.io': { endpoint: ['https://mirror:5000'] } });
    expect(doc.configs['other:1']).toEqual({ tls: { insecure_skip_verify: true } });
    for (const a of [A, B]) {
      expect(doc.configs[a]).toEqual({ auth: { username: LOGIN.user, password: LOGIN.password }, tls: { ca_file: `/etc/rancher/k3s/registry-setup/${a}/ca.crt` } });
      expect(snapshot(node)[`etc/rancher/k3s/registry-setup/${a}/ca.crt`]).toMatch(/^644 -----BEGIN CERTIFICATE-----/);
    }
    expect(stubCalls(node).filter((c) => c.startsWith('systemctl restart'))).toEqual([]);
    await run('untrust');
    expect(snapshot(node)).toEqual(before);
  });

  it('creates registries.yaml for RKE2 and restarts it only with --restart-k3s', async () => {
    mkdirSync(join(node.root, 'etc/rancher/rke2'), { recursive: true });
    const before = snapshot(node);
    const r = await run('trust', { runtimes: ['containerd'], restartK3s: true });
    expect(r.judged, r.stdout).toMatchObject({ result: 'changed' });
    const file = snapshot(node)['etc/rancher/rke2/registries.yaml']!;
    expect(file.slice(0, 3)).toBe('600');
    expect(Object.keys(parseYaml(file.slice(4)).configs)).toEqual([A, B]);
    // The systemctl stub says nothing is active: no restart, and a warning that says so.
    expect(r.judged.warnings).toContainEqual(expect.stringMatching(/--restart-k3s: no k3s or rke2 service is running/));
    await run('untrust');
    expect(snapshot(node)).toEqual(before);
  });

  it('logs in a k3s node that has no runtime on PATH (k3s runs its own containerd), and only with a login', async () => {
    mkdirSync(join(node.root, 'etc/rancher/k3s'), { recursive: true });
    const r = await run('trust', { runtimes: 'auto' });
    expect(r.judged, r.stdout).toMatchObject({ result: 'changed', runtimes: [] });
    expect(Object.keys(parseYaml(snapshot(node)['etc/rancher/k3s/registries.yaml']!.slice(4)).configs)).toEqual([A, B]);
    const plain = await run('trust', { runtimes: 'auto', login: null });
    expect(plain.judged).toMatchObject({ result: 'failed', error: expect.stringMatching(/^no container runtime found/) });
  });

  it('fails the host and leaves a registries.yaml in flow style as it was', async () => {
    seed(node, { 'etc/rancher/k3s/registries.yaml': '{configs: {}}\n' });
    const r = await run('trust', { runtimes: ['containerd'] });
    expect(r.judged).toMatchObject({ result: 'failed', error: expect.stringMatching(/^\/etc\/rancher\/k3s\/registries.yaml was left as it was: line 1 is not a plain top-level key/) });
    expect(snapshot(node)['etc/rancher/k3s/registries.yaml']).toBe('644 {configs: {}}\n');
  });

  it('sends no credential in the untrust script, and changes nothing on a node it never touched', async () => {
    const before = snapshot(node);
    const r = await run('untrust');
    expect(r.judged).toMatchObject({ result: 'unchanged' });
    expect(changes(r)).toEqual([]);
    expect(snapshot(node)).toEqual(before);
  });
});

describe('the --login script', () => {
  const plan = planTrust({ ...BASE, login: LOGIN });
  it('carries the credential only as data the library reads, and a dry run shows none of it', () => {
    const real = renderTrustScript(plan);
    expect(real).toContain(`RS_JV='{"auth": "${AUTH}"}'`);
    const shown = renderTrustScript(plan, { redact: true });
    for (const secret of [AUTH, LOGIN.password, JSON.stringify(LOGIN.password).slice(1, -1)]) expect(shown).not.toContain(secret);
    expect(shown).toContain('RS_KU=\'"nodes"\'');
  });

  it('is refused for untrust, check and insecure mode by the planner itself', () => {
    expect(() => planTrust({ ...BASE, action: 'check', login: LOGIN })).toThrow(/only with trust in certs mode/);
    expect(() => planTrust({ ...BASE, mode: 'insecure', caPem: null, login: LOGIN })).toThrow(/only with trust in certs mode/);
  });
});
