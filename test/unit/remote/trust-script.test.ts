import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { planTrust, renderTrustScript, type TrustRequest } from '../../../src/remote/trust-script.js';
import { hostOfAddress as hostOf } from '../../../src/pki/hosts.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHHIG2d\n-----END CERTIFICATE-----\n';
const NOW = new Date('2026-03-04T05:06:07.890Z');
const base: TrustRequest = {
  action: 'trust', mode: 'certs', addresses: ['10.0.0.5:5000', 'reg.lan:5000'], caPem: CA,
  runtimes: 'auto', systemTrust: false, hostsEntryIp: null, now: NOW,
};
/** The generated calls, after the fixed library. */
const body = (script: string): string => script.slice(script.indexOf('\nrs_say begin\n') + 1);
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

describe('planTrust', () => {
  it('puts the CA in certs.d for every address and runtime, spelled as image references spell it', () => {
    const plan = planTrust({ ...base, addresses: ['10.0.0.5:5000', 'reg.lan', '[fd00::1]:5000'] });
    expect(plan.files.map((f) => `${f.runtime} ${f.path}`)).toEqual([
      'docker /etc/docker/certs.d/10.0.0.5:5000/ca.crt',
      'containerd /etc/containerd/certs.d/10.0.0.5:5000/ca.crt',
      'containerd /etc/containerd/certs.d/10.0.0.5:5000/hosts.toml',
      'podman /etc/containers/certs.d/10.0.0.5:5000/ca.crt',
      'docker /etc/docker/certs.d/reg.lan/ca.crt',
      'containerd /etc/containerd/certs.d/reg.lan/ca.crt',
      'containerd /etc/containerd/certs.d/reg.lan/hosts.toml',
      'podman /etc/containers/certs.d/reg.lan/ca.crt',
      'docker /etc/docker/certs.d/[fd00::1]:5000/ca.crt',
      'containerd /etc/containerd/certs.d/[fd00::1]:5000/ca.crt',
      'containerd /etc/containerd/certs.d/[fd00::1]:5000/hosts.toml',
      'podman /etc/containers/certs.d/[fd00::1]:5000/ca.crt',
    ]);
    expect(plan.files.filter((f) => f.path.endsWith('ca.crt')).every((f) => f.contents === CA)).toBe(true);
    expect(plan.insecure).toEqual([]);
    expect(plan.stamp).toBe('20260304T050607890Z');
  });

  it('writes a containerd hosts.toml that points at the CA', () => {
    const toml = planTrust({ ...base, runtimes: ['containerd'] }).files.find((f) => f.path.endsWith('hosts.toml'))!;
    expect(toml.contents).toBe(
      '# Written by registry-setup trust-node.\nserver = "https://10.0.0.5:5000"\n\n[host."https://10.0.0.5:5000"]\n' +
        '  capabilities = ["pull", "resolve", "push"]\n  ca = "/etc/containerd/certs.d/10.0.0.5:5000/ca.crt"\n',
    );
  });

  it('in insecure mode lists the addresses for daemon.json and writes no CA', () => {
    const plan = planTrust({ ...base, mode: 'insecure', caPem: null });
    expect(plan.insecure).toEqual(['10.0.0.5:5000', 'reg.lan:5000']);
    expect(plan.files.map((f) => f.path)).toEqual([
      '/etc/containerd/certs.d/10.0.0.5:5000/hosts.toml',
      '/etc/containers/registries.conf.d/registry-setup-10.0.0.5:5000.conf',
      '/etc/containerd/certs.d/reg.lan:5000/hosts.toml',
      '/etc/containers/registries.conf.d/registry-setup-reg.lan:5000.conf',
    ]);
    expect(plan.files[0]!.contents).toContain('server = "http://10.0.0.5:5000"');
    expect(plan.files[0]!.contents).toContain('skip_verify = true');
    expect(plan.files[1]!.contents).toBe('# Written by registry-setup trust-node.\n[[registry]]\nlocation = "10.0.0.5:5000"\ninsecure = true\n');
    expect(planTrust({ ...base, mode: 'insecure', caPem: null, runtimes: ['podman'] }).insecure).toEqual([]);
  });

  it('plans only the runtimes asked for', () => {
    expect(planTrust({ ...base, runtimes: ['docker'] }).files.map((f) => f.path)).toEqual([
      '/etc/docker/certs.d/10.0.0.5:5000/ca.crt',
      '/etc/docker/certs.d/reg.lan:5000/ca.crt',
    ]);
  });

  it('names host entries only for DNS names, and the system CA file by fingerprint', () => {
    const plan = planTrust({ ...base, addresses: ['10.0.0.5:5000', 'reg.lan:5000', 'reg.lan', '[fd00::1]:5000'], hostsEntryIp: '10.0.0.5', systemTrust: true });
    expect(plan.hostNames).toEqual(['reg.lan']);
    expect(plan.systemTrustFile).toMatch(/^registry-setup-[0-9a-f]{16}\.crt$/);
    expect(planTrust({ ...base, systemTrust: true }).systemTrustFile).toBe(plan.systemTrustFile);
  });

  it.each(['10.0.0.5:5000;reboot', "reg.lan'", 'reg lan', '$(id)', '../etc:1', 'Reg.LAN:5000', '[fd00::1;x]:1', ''])(
    'refuses the address %j before it can reach a path or a script',
    (a) => expect(() => planTrust({ ...base, addresses: [a] })).toThrow(/not a registry address/),
  );

  it.each([null, '', "-----BEGIN CERTIFICATE-----\n'$(reboot)'\n-----END CERTIFICATE-----\n", `${CA}${CA}`, `junk\n${CA}`])(
    'refuses a CA that is not one PEM certificate: %j',
    (pem) => expect(() => planTrust({ ...base, caPem: pem })).toThrow(/one PEM certificate/),
  );

  it('extracts the host of an address', () => {
    expect(['10.0.0.5:5000', 'reg.lan', 'reg.lan:443', '[fd00::1]:5000', '[fd00::1]'].map(hostOf)).toEqual(['10.0.0.5', 'reg.lan', 'reg.lan', 'fd00::1', 'fd00::1']);
  });
});

describe('renderTrustScript', () => {
  const variants: Array<[string, TrustRequest]> = [
    ['trust certs', base],
    ['trust certs with extras', { ...base, systemTrust: true, hostsEntryIp: '10.0.0.5', runtimes: ['docker', 'containerd', 'podman'] }],
    ['trust insecure', { ...base, mode: 'insecure', caPem: null }],
    ['check certs', { ...base, action: 'check', systemTrust: true, hostsEntryIp: '10.0.0.5' }],
    ['check insecure', { ...base, action: 'check', mode: 'insecure', caPem: null }],
    ['untrust', { ...base, action: 'untrust', caPem: null }],
  ];
  const shells = [['sh'], ['bash', '--posix'], ...(has('busybox') ? [['busybox', 'sh']] : [])];

  it.each(variants)('%s parses under every sh here', (_name, req) => {
    const script = renderTrustScript(planTrust(req));
    for (const [cmd, ...args] of shells) {
      const r = spawnSync(cmd!, [...args, '-n'], { input: script, encoding: 'utf8' });
      expect([cmd, r.status, r.stderr]).toEqual([cmd, 0, '']);
    }
  });

  it.each(variants)('%s is one brace group on /dev/null, strict, and reports begin and end', (_name, req) => {
    const lines = renderTrustScript(planTrust(req)).split('\n');
    expect(lines.indexOf('{')).toBeLessThan(5);
    expect(lines.at(-2)).toBe('} </dev/null');
    expect(lines).toContain('set -euf');
    expect(lines).toContain('umask 022');
    expect(lines.indexOf('rs_say begin')).toBeLessThan(lines.indexOf('rs_say end'));
  });

  it('carries the CA once, single-quoted, and refers to it by variable', () => {
    const script = renderTrustScript(planTrust(base));
    expect(script.split(CA).length).toBe(2);
    expect(script).toContain(`RS_CA='${CA}'`);
    expect(script).toContain(`  rs_put '/etc/docker/certs.d/10.0.0.5:5000/ca.crt' "$RS_CA"`);
    expect(script).toContain(`rs_open 'reg.lan:5000'`);
    expect(script).toContain('rs_detect');
  });

  it('in insecure mode merges daemon.json and carries the awk', () => {
    const script = renderTrustScript(planTrust({ ...base, mode: 'insecure', caPem: null, runtimes: ['docker'] }));
    expect(script).toContain(`if rs_rt docker; then rs_insecure_add 10.0.0.5:5000 reg.lan:5000; fi`);
    expect(script).toContain("RS_AWK='");
    expect(script).toContain(`RS_RT=' docker '`);
    expect(script).not.toContain('RS_CA=');
  });

  it('checks with the same paths it would write, and writes nothing', () => {
    const script = body(renderTrustScript(planTrust({ ...base, action: 'check', systemTrust: true, hostsEntryIp: '10.0.0.5' })));
    expect(script).toContain(`  rs_check '/etc/docker/certs.d/10.0.0.5:5000/ca.crt' "$RS_CA"`);
    expect(script).not.toMatch(/^\s*(rs_put|rs_open|rs_insecure_add|rs_hosts_add|rs_systrust) /m);
  });

  it('untrusts from the records alone', () => {
    const script = body(renderTrustScript(planTrust({ ...base, action: 'untrust', caPem: null })));
    expect(script).toBe('rs_say begin\nrs_undo 10.0.0.5:5000 reg.lan:5000\nrs_say end\n} </dev/null\n');
  });

  it('records extras with the first address', () => {
    const script = renderTrustScript(planTrust({ ...base, systemTrust: true, hostsEntryIp: '10.0.0.5' }));
    const tail = script.slice(script.lastIndexOf("rs_open '10.0.0.5:5000'"));
    expect(tail).toMatch(/^rs_open '10\.0\.0\.5:5000'\nrs_systrust 'registry-setup-[0-9a-f]{16}\.crt' "\$RS_CA"\nrs_hosts_add 'reg\.lan' '10\.0\.0\.5'\n/);
  });

  it('sends RS_ROOT= and the system PATH to nodes; only a test points them elsewhere', () => {
    const plan = planTrust(base);
    const lines = renderTrustScript(plan).split('\n');
    expect(lines).toContain('RS_ROOT=');
    expect(lines).toContain('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}');
    const test = renderTrustScript(plan, { root: "/tmp/it's", path: '/tmp/bin' }).split('\n');
    expect(test).toContain(`RS_ROOT='/tmp/it'\\''s'`);
    expect(test).toContain(`PATH='/tmp/bin'`);
    // The calls still name node paths: the library adds the root where it touches files.
    expect(test).toContain(`  rs_put '/etc/docker/certs.d/10.0.0.5:5000/ca.crt' "$RS_CA"`);
    for (const root of ['', '/', 'tmp/x', '/tmp/x/']) expect(() => renderTrustScript(plan, { root })).toThrow(/absolute path/);
  });
});
