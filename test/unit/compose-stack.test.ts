import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createComposeStack } from '../../src/stack/compose-stack.js';

/**
 * The production stack against a docker stand-in: which `docker compose` lines it
 * runs, in the bundle directory, with stdin ignored, and the one line a failure
 * becomes. `top nginx` answers the old workers for two calls, then the new ones.
 */
let bin: string;
let bundle: string;
const savedPath = process.env.PATH;

beforeAll(() => {
  bin = mkdtempSync(join(tmpdir(), 'rs-fake-docker-'));
  bundle = mkdtempSync(join(tmpdir(), 'rs-bundle dir-'));
  writeFileSync(join(bin, 'docker'), `#!/bin/sh
echo "$PWD|$*" >> "${bin}/calls"
case "$*" in *--version) echo "stdin: $(readlink /proc/$$/fd/0)" >> "${bin}/calls" ;; esac
case "$*" in
  "compose top nginx")
    n=$(cat "${bin}/tops" 2>/dev/null || echo 0); echo $((n+1)) > "${bin}/tops"
    echo "UID PID PPID C STIME TTY TIME CMD"
    if [ "$n" -lt 2 ]; then echo "nobody 101 1 0 0 ? 0 nginx: worker process"; else echo "nobody 201 1 0 0 ? 0 nginx: worker process"; fi ;;
  "compose top registry")
    n=$(cat "${bin}/rtops" 2>/dev/null || echo 0); echo $((n+1)) > "${bin}/rtops"
    echo "UID PID PPID C STIME TTY TIME CMD"
    echo "root 50 40 0 0 ? 0 /bin/sh -c [ \"\$1\" = serve ] … registry-setup-serve serve /etc/registry-setup/.gen/current/config.yml"
    echo "root 70 69 0 0 ? 0 registry serve /etc/registry-setup/.gen/current/maintenance/config.yml" # gc's read-only instance: not HUPed, never waited for
    if [ "$n" -lt 2 ]; then echo "root 51 50 0 0 ? 0 registry serve /etc/registry-setup/.gen/current/config.yml"; else echo "root 61 50 0 0 ? 0 registry serve /etc/registry-setup/.gen/current/config.yml"; fi ;;
  "compose ps --services --filter status=running") printf 'registry\\nnginx\\n' ;;
  *wget*) n=$(cat "${bin}/wgets" 2>/dev/null || echo 0); echo $((n+1)) > "${bin}/wgets"; [ "$n" -ge 2 ] || { echo "wget: can't connect" >&2; exit 1; } ;;
  "rm -f"*) echo "Error: No such container: $3" >&2; exit 1 ;;
  "compose restart broken") echo "Creating…" >&2; echo "ERROR: No such service: broken" >&2; exit 1 ;;
esac
`);
  chmodSync(join(bin, 'docker'), 0o755);
  process.env.PATH = `${bin}:${savedPath}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(bin, { recursive: true, force: true });
  rmSync(bundle, { recursive: true, force: true });
});
afterEach(() => ['calls', 'tops', 'rtops', 'wgets'].forEach((f) => rmSync(join(bin, f), { force: true })));
const calls = () => readFileSync(join(bin, 'calls'), 'utf8').trim().split('\n').map((l) => l.replace(`${bundle}|`, ''));

describe('the docker compose stack', () => {
  it('reloads nginx the way renew always has: one exec, nothing more', () => {
    createComposeStack(bundle).reloadNginx();
    expect(calls()).toEqual(['compose exec -T nginx nginx -c /etc/registry-setup/.gen/current/nginx/registry.conf -s reload']);
  });

  it("for gc, tests the config first, then waits until the old workers have finished", () => {
    createComposeStack(bundle).reloadNginx({ check: true, drain: { timeoutMs: 10_000 } });
    expect(calls()).toEqual([
      'compose exec -T nginx nginx -t -c /etc/registry-setup/.gen/current/nginx/registry.conf',
      'compose top nginx',
      'compose exec -T nginx nginx -c /etc/registry-setup/.gen/current/nginx/registry.conf -s reload',
      'compose top nginx', // 101 still there
      'compose top nginx', // 101 gone
    ]);
  });

  it('restarts the registry in place with HUP to its entry shell, and returns once the old process is gone', () => {
    createComposeStack(bundle).restartInPlace('registry');
    expect(calls()).toEqual([
      'compose top registry', // serving: 51 (50 is the shell, which stays)
      'compose kill -s HUP registry',
      'compose top registry', // 51 still there
      'compose top registry', // 61 serves now
    ]);
  });

  it('asks from inside the network until a service answers', () => {
    createComposeStack(bundle).waitUntilAnswers('nginx', 'http://registry-readonly:5000/v2/', 10_000);
    expect(calls()).toEqual(Array(3).fill('compose exec -T nginx wget -q -O /dev/null http://registry-readonly:5000/v2/'));
  });

  it('starts the extra instance as a one-off container that survives a reboot, and removes it', () => {
    const stack = createComposeStack(bundle);
    stack.startExtra('ro-1', 'registry', ['serve', '/x.yml']);
    stack.stopExtra('ro-1');
    expect(stack.isRunning('nginx')).toBe(true);
    expect(stack.isRunning('ro-1')).toBe(false);
    expect(calls()).toEqual([
      'rm -f ro-1', // one left over by a killed run
      'compose run -d --no-deps --name ro-1 registry serve /x.yml',
      'update --restart unless-stopped ro-1',
      'rm -f ro-1',
      'compose ps --services --filter status=running',
      'compose ps --services --filter status=running',
    ]);
  });

  it('fails with the last line and the command to run by hand, quoted for a shell', () => {
    expect(() => createComposeStack(bundle).restart('broken')).toThrow(`cd '${bundle}' && docker compose restart broken failed (ERROR: No such service: broken)`);
  });

  it('gives docker nothing on stdin, so nothing ever waits for input', () => {
    createComposeStack(bundle).exec('registry', ['registry', '--version']);
    expect(calls()).toEqual(['compose exec -T registry registry --version', 'stdin: /dev/null']);
  });
});
