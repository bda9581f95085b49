import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { planRenewTimer, timerName, unitWord } from '../../src/render/renew-timer.js';
import { missingPeers } from '../e2e/support/require-peers.js';

const input = { dir: '/srv/registry', node: '/usr/bin/node', cli: '/opt/registry-setup/dist/cli.js', extraArgs: [], systemd: true };

describe('planRenewTimer', () => {
  it('names the units after the bundle, stably and uniquely', () => {
    expect(timerName('/srv/registry')).toMatch(/^registry-setup-renew-registry-[0-9a-f]{6}$/);
    expect(timerName('/srv/registry')).toBe(timerName('/srv/registry'));
    expect(timerName('/other/registry')).not.toBe(timerName('/srv/registry'));
    expect(timerName('/srv/My Registry.d')).toMatch(/^registry-setup-renew-my-registry-d-/);
  });

  it('writes a oneshot service running renew --reload and a daily persistent timer', () => {
    const plan = planRenewTimer(input);
    const name = timerName('/srv/registry');
    expect(plan.kind).toBe('systemd');
    expect(plan.files.map((f) => [f.path, f.mode])).toEqual([[`etc/systemd/system/${name}.service`, 0o644], [`etc/systemd/system/${name}.timer`, 0o644]]);
    const [service, timer] = plan.files.map((f) => f.contents);
    expect(service).toContain('\nType=oneshot\n');
    expect(service).toContain('\nExecStart=/usr/bin/node /opt/registry-setup/dist/cli.js renew --dir /srv/registry --reload\n');
    expect(service).toContain('\nWorkingDirectory=/srv/registry\n');
    expect(timer).toMatch(/\nOnCalendar=daily\n[^]*\nPersistent=true\n[^]*\nWantedBy=timers.target\n/);
    expect(plan.activate).toEqual([['systemctl', 'daemon-reload'], ['systemctl', 'enable', '--now', `${name}.timer`]]);
  });

  it('quotes what systemd would otherwise split or expand', () => {
    expect(unitWord('/a b/c')).toBe('"/a b/c"');
    expect(unitWord('100%')).toBe('"100%%"');
    expect(unitWord('$HOME"x')).toBe('"$$HOME\\"x"');
    const service = planRenewTimer({ ...input, dir: '/srv/my registry', extraArgs: ['--within', '20'] }).files[0]!.contents;
    expect(service).toContain('renew --dir "/srv/my registry" --reload --within 20\n');
  });

  it('without systemd, one cron.d entry as root, shell-quoted, with % escaped', () => {
    const plan = planRenewTimer({ ...input, systemd: false, dir: "/srv/it's 100%" });
    expect(plan).toMatchObject({ kind: 'cron', activate: [] });
    expect(plan.files[0]!.path).toMatch(/^etc\/cron\.d\/registry-setup-renew-it-s-100-[0-9a-f]{6}$/);
    const line = plan.files[0]!.contents.split('\n').find((l) => /^\d/.test(l))!;
    expect(line).toMatch(/^\d{1,2} 3 \* \* \* root cd '\/srv\/it'\\''s 100\\%' && \/usr\/bin\/node \/opt\/registry-setup\/dist\/cli\.js renew --dir '\/srv\/it'\\''s 100\\%' --reload 2>&1 \| logger -t registry-setup-renew-/);
  });

  it('refuses a path with a line break', () => {
    expect(() => planRenewTimer({ ...input, dir: '/srv/a\nb' })).toThrow(/line break/);
  });
});

const verifyMissing = missingPeers(['systemd-analyze']).length > 0;

describe.skipIf(verifyMissing)('systemd-analyze verify', () => {
  const root = mkdtempSync(join(tmpdir(), 'timer-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function verify(dir: string, contents?: (service: string) => string) {
    mkdirSync(dir, { recursive: true });
    const plan = planRenewTimer({ ...input, dir, node: process.execPath });
    const paths = plan.files.map((f) => {
      const full = join(root, f.path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, f.path.endsWith('.service') && contents ? contents(f.contents) : f.contents);
      return full;
    });
    return execa('systemd-analyze', ['verify', ...paths], { reject: false, env: { SYSTEMD_LOG_LEVEL: 'warning' } });
  }

  it('accepts the generated units, also for a path that needs quoting', async () => {
    for (const dir of [join(root, 'bundle'), join(root, 'my bundle 100%')]) {
      const r = await verify(dir);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/registry-setup-renew/);
    }
  });

  it('is a real check: it rejects a missing program and unbalanced quoting', async () => {
    for (const [from, to] of [[/ExecStart=\S+/, 'ExecStart=/nonexistent/node'], [/--dir /, '--dir "']] as const) {
      const r = await verify(join(root, 'bundle'), (s) => s.replace(from, to));
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/registry-setup-renew.*\.service/);
    }
  });
});
