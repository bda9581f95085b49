import { describe, expect, it } from 'vitest';
import type { SshRun } from '../../../src/remote/ssh-runner.js';
import { parseTarget } from '../../../src/remote/ssh-target.js';
import { judgeHost, parseScriptOutput } from '../../../src/remote/trust-result.js';

const run = (over: Partial<SshRun>): SshRun => ({ exitCode: 0, stdout: '', stderr: '', timedOut: false, ms: 12.4, ...over });
const ssh = { timeoutMs: 60_000 };
const root = parseTarget('root@10.0.0.7');
const ops = parseTarget('ops@node2');

describe('parseScriptOutput', () => {
  it('reads @@rs lines and ignores everything else', () => {
    const out = [
      'Updating certificates in /etc/ssl/certs...',
      '@@rs begin',
      '@@rs runtimes docker containerd ',
      '@@rs change wrote /etc/docker/certs.d/a:1/ca.crt',
      '@@rs warn containerd reads /etc/containerd/certs.d only when config_path is set',
      '@@rs state ok /etc/docker/certs.d/a:1/ca.crt',
      '@@rs state missing dockerd lists a:1',
      '@@rs state bogus x',
      '@@rs error something',
      '@@rsfoo not ours',
      '@@rs end\r',
    ].join('\n');
    expect(parseScriptOutput(out)).toEqual({
      began: true,
      ended: true,
      runtimes: ['docker', 'containerd'],
      changes: ['wrote /etc/docker/certs.d/a:1/ca.crt'],
      warnings: ['containerd reads /etc/containerd/certs.d only when config_path is set'],
      errors: ['something'],
      states: [{ state: 'ok', what: '/etc/docker/certs.d/a:1/ca.crt' }, { state: 'missing', what: 'dockerd lists a:1' }],
    });
  });
});

describe('judgeHost', () => {
  const ran = (lines: string[]): string => ['@@rs begin', '@@rs runtimes docker ', ...lines, '@@rs end', ''].join('\n');

  it('says changed, with the changes, or unchanged', () => {
    expect(judgeHost('trust', root, run({ stdout: ran(['@@rs change wrote /x']) }), ssh)).toEqual({
      host: 'root@10.0.0.7', result: 'changed', changes: ['wrote /x'], warnings: [], runtimes: ['docker'], ms: 12,
    });
    expect(judgeHost('trust', root, run({ stdout: ran([]) }), ssh).result).toBe('unchanged');
  });

  it('fails with the script\'s own error', () => {
    const r = judgeHost('trust', root, run({ exitCode: 1, stdout: '@@rs begin\n@@rs error /etc/docker/daemon.json was left as it was: the file is empty (line 1)\n' }), ssh);
    expect(r).toMatchObject({ result: 'failed', error: '/etc/docker/daemon.json was left as it was: the file is empty (line 1)' });
  });

  it('fails a script that stopped without saying why, quoting stderr', () => {
    const r = judgeHost('trust', root, run({ exitCode: 1, stdout: '@@rs begin\n', stderr: "mv: cannot move 'x': Read-only file system\n" }), ssh);
    expect(r).toMatchObject({ result: 'failed', error: "the script stopped early (exit 1): mv: cannot move 'x': Read-only file system" });
    expect(judgeHost('trust', root, run({ exitCode: 0, stdout: '@@rs begin\n' }), ssh).result).toBe('failed');
  });

  it.each([
    ['an unknown host key', { exitCode: 255, stderr: 'No ED25519 host key is known for 10.0.0.7 and you have requested strict checking.\r\nHost key verification failed.\r\n' }, /host key is unknown .*ssh-keyscan 10\.0\.0\.7 >> ~\/\.ssh\/known_hosts.*--accept-new-host-keys/],
    ['a changed host key', { exitCode: 255, stderr: '@@@@@@\nWARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!\nHost key verification failed.\n' }, /CHANGED.*ssh-keygen -R 10\.0\.0\.7/],
    ['a refused login', { exitCode: 255, stderr: 'root@10.0.0.7: Permission denied (publickey).\n' }, /^ssh login refused \(root@10\.0\.0\.7: Permission denied \(publickey\)\.\)/],
    ['no route', { exitCode: 255, stderr: 'ssh: connect to host 10.0.0.7 port 22: No route to host\r\n' }, /^unreachable: ssh: connect to host 10\.0\.0\.7 port 22: No route to host$/],
    ['a connect timeout', { exitCode: 255, stderr: 'ssh: connect to host 10.0.0.7 port 22: Connection timed out\n' }, /^unreachable: .*Connection timed out$/],
    ['the per-host timeout', { exitCode: -1, timedOut: true }, /^timed out after 60 s$/],
  ])('explains %s by name', (_what, over, why) => {
    const r = judgeHost('trust', root, run(over), ssh);
    expect(r.result).toBe('failed');
    expect(r.error).toMatch(why);
    expect(r.host).toBe('root@10.0.0.7');
  });

  it('tells a sudo that wants a password from a script failure, and says nothing changed', () => {
    const r = judgeHost('trust', ops, run({ exitCode: 1, stderr: 'sudo: a password is required\n' }), ssh);
    expect(r.error).toMatch(/^sudo needs a password here, or ops may not use sudo \(sudo: a password is required\); nothing was changed/);
  });

  it('names the port in the ssh-keyscan advice', () => {
    const r = judgeHost('trust', parseTarget('ssh://root@node:2222'), run({ exitCode: 255, stderr: 'Host key verification failed.\n' }), ssh);
    expect(r.error).toContain('ssh-keyscan -p 2222 node >> ~/.ssh/known_hosts');
  });

  it('turns check states into trusted, partial or untrusted', () => {
    const states = (s: string[]) => judgeHost('check', root, run({ stdout: ran(s.map((x) => `@@rs state ${x}`)) }), ssh);
    expect(states(['ok /a', 'ok /b']).result).toBe('trusted');
    expect(states(['ok /a', 'missing /b']).result).toBe('partial');
    expect(states(['differs /a', 'missing /b']).result).toBe('untrusted');
    expect(states(['ok /a', 'differs /b']).states).toEqual([{ state: 'ok', what: '/a' }, { state: 'differs', what: '/b' }]);
  });
});
