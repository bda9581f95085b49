import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellCommand, shellQuote } from '../../../src/remote/shell-quote.js';

const HOSTILE = [
  '',
  'plain',
  "it's",
  "''",
  "'; rm -rf / #",
  '$(touch /tmp/pwned)',
  '`touch /tmp/pwned`',
  '"double" and \\backslash\\',
  'new\nline\n',
  '${HOME} $HOME $1 $@ $$',
  '* ? [a-z] ~ ! & | ; < > ( ) { }',
  '\t tab and trailing space ',
  '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  'ünïcödé ✔',
];

describe('shellQuote', () => {
  it.each(HOSTILE)('round-trips %j through a real sh unchanged', (value) => {
    // printf %s prints the argument exactly as the shell parsed it.
    expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' })).toBe(value);
  });

  it.each(HOSTILE)('keeps %j one word, even inside a longer command', (value) => {
    const out = execFileSync('sh', ['-c', `set -- ${shellQuote(value)} ${shellQuote(value)}; echo $#`], { encoding: 'utf8' });
    expect(out).toBe('2\n');
  });

  it('only ever produces single-quoted text', () => {
    expect(shellQuote('a"b')).toBe(`'a"b'`);
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });

  it('refuses NUL, which no shell variable can hold', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});

describe('shellCommand', () => {
  it('leaves plain words bare and quotes the rest', () => {
    expect(shellCommand(['ssh', '-o', 'BatchMode=yes', 'root@10.0.0.1', 'sh -s'])).toBe("ssh -o BatchMode=yes root@10.0.0.1 'sh -s'");
    // A bare first word with '=' would be an assignment, not a command.
    expect(shellCommand(['A=b', 'c'])).toBe("'A=b' c");
  });

  it.each(HOSTILE)('keeps %j intact as one argument', (value) => {
    const out = execFileSync('sh', ['-c', `${shellCommand(['printf', '%s|', value, 'x'])}`], { encoding: 'utf8' });
    expect(out).toBe(`${value}|x|`);
  });
});

describe('shellCommand for lines a person runs (what src/bundle/reload.ts and renew-timer.ts need)', () => {
  it('writes `cd DIR && docker ARGS` and cron command lines as those files do', () => {
    const reload = (dir: string, args: string[]): string => `${shellCommand(['cd', dir])} && ${shellCommand(['docker', ...args])}`;
    expect(reload('/srv/registry', ['compose', 'restart', 'registry'])).toBe('cd /srv/registry && docker compose restart registry');
    expect(reload('/srv/my registry', ['compose', 'exec', '-T', 'nginx', 'nginx', '-s', 'reload'])).toBe(
      "cd '/srv/my registry' && docker compose exec -T nginx nginx -s reload",
    );
    const argv = ['/usr/bin/node', '/opt/registry-setup/dist/cli.js', 'renew', '--dir', "/srv/it's 100%", '--reload'];
    expect(`${shellCommand(['cd', argv[4]!])} && ${shellCommand(argv)}`).toBe(
      "cd '/srv/it'\\''s 100%' && /usr/bin/node /opt/registry-setup/dist/cli.js renew --dir '/srv/it'\\''s 100%' --reload",
    );
  });

  it.each(['/srv/registry', 'registry-setup-renew-0a1b2c', '--dir', 'KEY=value', '100%', 'user@host:22', 'a+b.c_d'])(
    'leaves the plain argument %j bare',
    (w) => expect(shellCommand(['x', w])).toBe(`x ${w}`),
  );

  it.each(['', ' ', '~', '~/x', '#x', 'a*', 'a;b', '$HOME', '{a,b}', 'a\\b', '!'])('quotes %j, which some shell would expand', (w) => {
    expect(shellCommand(['x', w])).toBe(`x ${shellQuote(w)}`);
  });
});
