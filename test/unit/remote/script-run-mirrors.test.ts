import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseTarget } from '../../../src/remote/ssh-target.js';
import { judgeHost } from '../../../src/remote/trust-result.js';
import type { TrustAction, TrustRequest } from '../../../src/remote/trust-script.js';
import { changes, dropNode, mirrorsListed, render, runScript, seed, seededNode, snapshot, startDockerd, stubCalls, SHELLS, type FakeNode } from './script-harness.js';

/**
 * trust-node --mirrors on a fake node, under every shell: each runtime's mirror settings, in
 * the same script as trust, and untrust-node taking back exactly those, byte for byte.
 * dockerd is the harness's stub, which (like dockerd 20.10) keeps its mirrors when the key is
 * deleted, so only the real order (an empty list, a reload, then the file) passes.
 */
const target = parseTarget('root@node1');
const DOCKER = '10.0.0.5:5010';
const GHCR = '10.0.0.5:5011';
const MIRRORS: TrustRequest['mirrors'] = [{ upstream: 'docker.io', address: DOCKER }, { upstream: 'ghcr.io', address: GHCR }];
const DJ = 'etc/docker/daemon.json';
const KEPT = '{\n  "log-level": "warn",\n  "labels": ["site=lab"]\n}\n';

let node: FakeNode;
beforeEach(() => {
  node = seededNode();
  seed(node, { [DJ]: KEPT, 'etc/containers/registries.conf.d/shortnames.conf': '[aliases]\n  "busybox" = "docker.io/library/busybox"\n' });
  startDockerd(node);
});
afterEach(() => dropNode(node));

describe.each(SHELLS)('the rendered script with mirrors under %s', (_name, shell) => {
  const run = async (action: TrustAction, over: Partial<TrustRequest> = {}) => {
    const r = await runScript(shell, render(node, { action, mirrors: MIRRORS, ...over }));
    expect(r.stderr).toBe('');
    return { ...r, judged: judgeHost(action, target, r, { timeoutMs: 60_000 }) };
  };
  const read = (p: string): string => readFileSync(join(node.root, p), 'utf8');

  it('points every runtime at the mirrors, changes nothing the second time, and untrust returns every file', async () => {
    const before = snapshot(node);
    const first = await run('trust');
    expect(first.judged, first.stdout).toMatchObject({ result: 'changed' });
    // Each mirror is trusted as the registry is, by every runtime.
    for (const a of [DOCKER, GHCR]) {
      expect(first.judged.changes).toContain(`wrote /etc/docker/certs.d/${a}/ca.crt`);
      expect(first.judged.changes).toContain(`wrote /etc/containers/certs.d/${a}/ca.crt`);
      expect(first.judged.changes).toContain(`wrote /etc/containerd/certs.d/${a}/ca.crt`);
    }
    expect(read('etc/containerd/certs.d/docker.io/hosts.toml')).toBe(
      `# Written by registry-setup trust-node --mirrors.\nserver = "https://registry-1.docker.io"\n\n[host."https://${DOCKER}"]\n  capabilities = ["pull", "resolve"]\n  ca = "/etc/containerd/certs.d/${DOCKER}/ca.crt"\n`,
    );
    expect(read('etc/containerd/certs.d/ghcr.io/hosts.toml')).toContain(`server = "https://ghcr.io"\n\n[host."https://${GHCR}"]`);
    expect(read('etc/containers/registries.conf.d/50-registry-setup.conf')).toBe(
      `# Written by registry-setup trust-node --mirrors.\n[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\n\n[[registry.mirror]]\nlocation = "${DOCKER}"\n\n` +
        `[[registry]]\nprefix = "ghcr.io"\nlocation = "ghcr.io"\n\n[[registry.mirror]]\nlocation = "${GHCR}"\n`,
    );
    // dockerd: docker.io only, merged into the file it had, reloaded (never restarted).
    expect(JSON.parse(read(DJ))).toEqual({ 'log-level': 'warn', labels: ['site=lab'], 'registry-mirrors': [`https://${DOCKER}`] });
    expect(first.judged.changes).toContain(`added https://${DOCKER} to registry-mirrors in /etc/docker/daemon.json`);
    expect(first.judged.changes).toContain('reloaded dockerd');
    expect(stubCalls(node)).toContain('systemctl reload docker');
    expect(stubCalls(node).filter((c) => c.startsWith('systemctl restart'))).toEqual([]);
    expect(mirrorsListed(node)).toBe(`https://${DOCKER}/ `);
    expect(read(`${DJ}.bak-20260304T050607890Z`)).toBe(KEPT);
    expect(first.judged.warnings).toContainEqual(expect.stringMatching(/^dockerd mirrors only docker\.io, so it cannot use the mirror of ghcr\.io; .*docker pull 10\.0\.0\.5:5011\/NAME:TAG/));

    const after = snapshot(node);
    const again = await run('trust');
    expect([again.judged.result, changes(again)]).toEqual(['unchanged', []]);
    expect(snapshot(node)).toEqual(after);

    const check = await run('check');
    expect(check.judged.result).toBe('trusted');
    expect(check.judged.states).toContainEqual({ state: 'ok', what: `dockerd lists https://${DOCKER}` });
    expect(check.judged.states).toContainEqual({ state: 'ok', what: `/etc/docker/daemon.json lists https://${DOCKER}` });
    expect(check.judged.states).toContainEqual({ state: 'ok', what: '/etc/containers/registries.conf.d/50-registry-setup.conf' });
    expect(check.judged.states).toContainEqual({ state: 'ok', what: '/etc/containerd/certs.d/ghcr.io/hosts.toml' });

    const undo = await run('untrust');
    expect(undo.judged, undo.stdout).toMatchObject({ result: 'changed' });
    expect(undo.judged.changes).toContain(`removed https://${DOCKER} from registry-mirrors in /etc/docker/daemon.json`);
    // dockerd was reloaded with an empty list before the key went: it no longer uses the mirror.
    expect(mirrorsListed(node)).toBe('');
    expect(snapshot(node)).toEqual(before);

    const unchecked = await run('check');
    expect(unchecked.judged.result).toBe('untrusted');
  });

  it('merges k3s\'s registries.yaml mirrors (and the mirrors\' CAs under configs), says to restart, and untrust returns it byte for byte', async () => {
    const K = 'etc/rancher/k3s/registries.yaml';
    const theirs = 'mirrors:\n  "quay.io":\n    endpoint:\n      - "https://quay.lan"\nconfigs:\n  "quay.lan":\n    tls:\n      insecure_skip_verify: true\n';
    seed(node, { [K]: theirs });
    const before = snapshot(node);
    const first = await run('trust');
    expect(first.judged, first.stdout).toMatchObject({ result: 'changed' });
    expect(first.judged.changes).toContain(`set the mirror of docker.io to https://${DOCKER} in /etc/rancher/k3s/registries.yaml`);
    expect(first.judged.warnings).toContainEqual(expect.stringMatching(/^k3s\/RKE2 read registries\.yaml only when they start/));
    expect(parseYaml(read(K))).toEqual({
      mirrors: { 'quay.io': { endpoint: ['https://quay.lan'] }, 'docker.io': { endpoint: [`https://${DOCKER}`] }, 'ghcr.io': { endpoint: [`https://${GHCR}`] } },
      configs: {
        'quay.lan': { tls: { insecure_skip_verify: true } },
        [DOCKER]: { tls: { ca_file: `/etc/rancher/k3s/registry-setup/${DOCKER}/ca.crt` } },
        [GHCR]: { tls: { ca_file: `/etc/rancher/k3s/registry-setup/${GHCR}/ca.crt` } },
      },
    });
    expect(read(`etc/rancher/k3s/registry-setup/${GHCR}/ca.crt`)).toContain('BEGIN CERTIFICATE');
    const after = snapshot(node);
    expect(changes(await run('trust'))).toEqual([]);
    expect(snapshot(node)).toEqual(after);
    await run('untrust');
    expect(snapshot(node)).toEqual(before);
  });

  it('creates registries.yaml on a k3s node that has none, and untrust removes it', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(node.root, 'etc/rancher/rke2'), { recursive: true });
    const before = snapshot(node);
    await run('trust');
    expect(Object.keys(parseYaml(read('etc/rancher/rke2/registries.yaml')))).toEqual(['configs', 'mirrors']);
    await run('untrust');
    expect(snapshot(node)).toEqual(before);
  });

  it('creates daemon.json when there is none, and untrust removes it again', async () => {
    seed(node, {});
    const { rmSync } = await import('node:fs');
    rmSync(join(node.root, DJ));
    const before = snapshot(node);
    const first = await run('trust', { runtimes: ['docker'] });
    expect(first.judged.result).toBe('changed');
    expect(read(DJ)).toBe(`{\n  "registry-mirrors": ["https://${DOCKER}"]\n}\n`);
    await run('untrust', { runtimes: ['docker'] });
    expect(snapshot(node)).toEqual(before);
  });

  it('follows --runtime: podman alone gets only its files, and dockerd is not told', async () => {
    const first = await run('trust', { runtimes: ['podman'] });
    expect(first.judged.changes.every((c) => c.includes('/etc/containers/'))).toBe(true);
    expect(read(DJ)).toBe(KEPT);
    expect(first.judged.warnings).toEqual([]);
  });

  it('takes nothing of the mirrors with --no-mirrors, and leaves a file it cannot read as it was', async () => {
    expect(changes(await run('trust', { mirrors: [] })).join('\n')).not.toMatch(/5010|5011|mirror/);
    seed(node, { [DJ]: '{"registry-mirrors": "https://x"}' });
    const r = await run('trust', { mirrors: MIRRORS });
    expect(r.judged).toMatchObject({ result: 'failed', error: expect.stringContaining('registry-mirrors is not a list of strings') });
    expect(read(DJ)).toBe('{"registry-mirrors": "https://x"}');
  });
});
