import { describe, expect, it } from 'vitest';
import { dedupeTargets, parseInventory, parseTarget } from '../../../src/remote/ssh-target.js';

describe('parseTarget', () => {
  it.each([
    ['node1', { host: 'node1' }],
    ['root@10.0.0.5', { user: 'root', host: '10.0.0.5' }],
    ['ops.admin@node-1.example.com', { user: 'ops.admin', host: 'node-1.example.com' }],
    ['fd00::1', { host: 'fd00::1' }],
    ['root@fd00::1', { user: 'root', host: 'fd00::1' }],
    ['root@[fd00::1]', { user: 'root', host: 'fd00::1' }],
    ['ssh://node1', { host: 'node1' }],
    ['ssh://root@node1:2222', { user: 'root', host: 'node1', port: 2222 }],
    ['ssh://root@10.0.0.5:22/', { user: 'root', host: '10.0.0.5', port: 22 }],
    ['ssh://[fd00::1]:2222', { host: 'fd00::1', port: 2222 }],
    ['ssh://admin@[fd00::1]', { user: 'admin', host: 'fd00::1' }],
    ['  root@node1  ', { user: 'root', host: 'node1' }],
  ])('%s', (raw, want) => expect(parseTarget(raw)).toEqual({ label: raw.trim(), ...want }));

  it.each([
    ['', /is empty/],
    ['node1:2222', /ssh:\/\/host:port/],
    ['ssh://node1:0', /port/],
    ['ssh://node1:70000', /port/],
    ['ssh://fd00::1:22', /brackets/],
    ['[node1]', /brackets must hold an IPv6/],
    ['-oProxyCommand=touch /tmp/x', /not a host name/],
    ['root@-oProxyCommand=x', /not a host name/],
    ['-l@node', /user name/],
    ['ro ot@node', /user name/],
    ["node1;reboot", /not a host name/],
    ['ssh://node1/path', /no path/],
  ])('rejects %j', (raw, why) => expect(() => parseTarget(raw)).toThrow(why));

  it('names the inventory line in its error', () => {
    expect(() => parseInventory('ok\n\nbad host\n', 'nodes.txt')).toThrow(/nodes\.txt:3:/);
  });
});

describe('parseInventory', () => {
  it('reads one host per line, skipping comments and blank lines', () => {
    const text = '# fleet\nroot@10.0.0.1\n\n  ops@node2   # the old one\r\nssh://root@[fd00::1]:2222\n   \n#root@skipped\n';
    expect(parseInventory(text, 'f').map((t) => t.label)).toEqual(['root@10.0.0.1', 'ops@node2', 'ssh://root@[fd00::1]:2222']);
  });
});

describe('dedupeTargets', () => {
  it('keeps the first of two spellings of one target', () => {
    const t = dedupeTargets(['root@node1', 'ROOT@node1', 'root@NODE1', 'ssh://root@node1', 'ssh://root@node1:22'].map((r) => parseTarget(r)));
    expect(t.map((x) => x.label)).toEqual(['root@node1', 'ROOT@node1', 'ssh://root@node1:22']);
  });
});
