import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCommands } from '../../src/commands/register.js';

const program = (argv: string[]) => {
  const p = new Command('registry-setup');
  registerCommands(p, ['node', 'cli.js', ...argv]);
  return p;
};
const helpOf = (p: Command, path: string[]) => {
  let c: Command | undefined = p;
  for (const name of path) c = c?.commands.find((s) => s.name() === name);
  return c?.helpInformation();
};

describe('registerCommands', () => {
  const all = program([]);
  const names = all.commands.map((c) => c.name());

  it('declares every command when the first argument names none', () => {
    expect(names).toEqual(['init', 'status', 'renew', 'user', 'trust-node', 'untrust-node', 'images', 'rm', 'prune', 'gc', 'upgrade', 'k8s-secret', 'mirror']);
    for (const argv of [['--help'], ['help', 'init'], ['--verbose', 'init'], ['iniit']]) expect(program(argv).commands.map((c) => c.name())).toEqual(names);
  });

  it('declares only the named command, whose help and flags read the same', () => {
    for (const name of names) {
      const one = program([name, '--x']);
      const expected = name === 'trust-node' || name === 'untrust-node' ? ['trust-node', 'untrust-node'] : [name];
      expect(one.commands.map((c) => c.name())).toEqual(expected);
      expect(helpOf(one, [name])).toBe(helpOf(all, [name]));
    }
    expect(helpOf(program(['user']), ['user', 'add'])).toBe(helpOf(all, ['user', 'add']));
  });
});
