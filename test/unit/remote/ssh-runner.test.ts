import { describe, expect, it } from 'vitest';
import { buildSshArgs, remoteCommand, runOverSsh, type Exec, type SshOptions } from '../../../src/remote/ssh-runner.js';
import { parseTarget } from '../../../src/remote/ssh-target.js';

const opts: SshOptions = { identities: [], options: [], acceptNewHostKeys: false, connectTimeoutSec: 10, timeoutMs: 60_000 };

describe('buildSshArgs', () => {
  it('runs in batch mode with a connect timeout, and leaves host key checking to the user', () => {
    expect(buildSshArgs(parseTarget('root@10.0.0.5'), opts)).toEqual([
      '-T', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-l', 'root', '--', '10.0.0.5', 'sh -s',
    ]);
  });

  it('puts the user\'s -o options before its own defaults so they win, after BatchMode so it stays', () => {
    const args = buildSshArgs(parseTarget('ssh://ops@[fd00::1]:2222'), {
      ...opts, identities: ['/k/a', '/k/b'], options: ['ConnectTimeout=30', 'ProxyJump=bastion'], port: 22, acceptNewHostKeys: true,
    });
    expect(args).toEqual([
      '-T', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=30', '-o', 'ProxyJump=bastion', '-o', 'ConnectTimeout=10',
      '-o', 'StrictHostKeyChecking=accept-new', '-i', '/k/a', '-i', '/k/b', '-p', '2222', '-l', 'ops', '--', 'fd00::1', remoteCommand(parseTarget('ops@x')),
    ]);
  });

  it('uses --ssh-port for targets without a port, and no user when ~/.ssh/config should choose', () => {
    expect(buildSshArgs(parseTarget('node1'), { ...opts, port: 2200 }).slice(-5)).toEqual(['-p', '2200', '--', 'node1', remoteCommand(parseTarget('node1'))]);
  });

  it('never turns host key checking off', () => {
    const all = [true, false].map((acceptNewHostKeys) => buildSshArgs(parseTarget('h'), { ...opts, acceptNewHostKeys }).join(' '));
    for (const a of all) expect(a).not.toMatch(/StrictHostKeyChecking=(no|off)|UserKnownHostsFile=\/dev\/null/);
  });
});

describe('remoteCommand', () => {
  it('runs sh directly for root and sudo -n (never a prompt) for anyone else', () => {
    expect(remoteCommand(parseTarget('root@h'))).toBe('sh -s');
    expect(remoteCommand(parseTarget('ops@h'))).toBe(`sh -c 'if [ "$(id -u)" = 0 ]; then exec sh -s; else exec sudo -n sh -s; fi'`);
    expect(remoteCommand(parseTarget('h'))).toBe(remoteCommand(parseTarget('ops@h')));
  });
});

describe('runOverSsh', () => {
  it('sends the script on stdin, never in argv, and returns what ssh said', async () => {
    const calls: Array<{ file: string; args: string[]; input: string; timeoutMs: number }> = [];
    const exec: Exec = async (file, args, o) => {
      calls.push({ file, args, ...o });
      return { exitCode: 0, stdout: '@@rs begin\n@@rs end\n', stderr: '', timedOut: false };
    };
    const script = "RS_CA='-----BEGIN CERTIFICATE-----\nSECRETISH\n-----END CERTIFICATE-----\n'\n";
    const r = await runOverSsh(parseTarget('root@h'), script, { ...opts, timeoutMs: 5000 }, exec);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ file: 'ssh', input: script, timeoutMs: 5000 });
    expect(calls[0]!.args.join(' ')).not.toContain('SECRETISH');
    expect(r).toMatchObject({ exitCode: 0, stdout: '@@rs begin\n@@rs end\n', timedOut: false });
  });

  it('reports a process that never got an exit code as -1', async () => {
    const exec: Exec = async () => ({ stdout: '', stderr: '', timedOut: true });
    expect((await runOverSsh(parseTarget('h'), '', opts, exec)).exitCode).toBe(-1);
  });
});
