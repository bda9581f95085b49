import type { Command } from 'commander';
import { registerInit } from './init/cli.js';
import { registerStatus } from './status/cli.js';
import { registerRenew } from './renew/cli.js';
import { registerUser } from './user/cli.js';
import { registerTrustNode } from './trust-node/cli.js';
import { registerImages } from './images/cli.js';
import { registerRm } from './rm/cli.js';
import { registerPrune } from './prune/cli.js';
import { registerGc } from './gc/cli.js';
import { registerUpgrade } from './upgrade/cli.js';
import { registerK8sSecret } from './k8s-secret/cli.js';
import { registerMirror } from './mirror/cli.js';

/**
 * Each command has a folder: cli.ts declares its flags and imports the rest
 * (index.ts: resolve → plan → apply → report) only when it runs, so --help loads
 * nothing heavy.
 */
const COMMANDS: [names: string[], register: (program: Command) => void][] = [
  [['init'], registerInit],
  [['status'], registerStatus],
  [['renew'], registerRenew],
  [['user'], registerUser],
  [['trust-node', 'untrust-node'], registerTrustNode],
  [['images'], registerImages],
  [['rm'], registerRm],
  [['prune'], registerPrune],
  [['gc'], registerGc],
  [['upgrade'], registerUpgrade],
  [['k8s-secret'], registerK8sSecret],
  [['mirror'], registerMirror],
];

/**
 * When the first argument names a command, only that one is declared: parsing it
 * needs no other, its help and errors read the same, and declaring all of them is
 * start-up time every run pays. Anything else (no command, help, a global flag
 * first, a typo that commander suggests a fix for) gets them all.
 */
export function registerCommands(program: Command, argv: readonly string[]): void {
  const named = COMMANDS.filter(([names]) => names.includes(argv[2] ?? ''));
  for (const [, register] of named.length > 0 ? named : COMMANDS) register(program);
}
