import type { Command } from 'commander';
import { registerInit } from './init.cli.js';
import { registerStatus } from './status.cli.js';
import { registerRenew } from './renew.cli.js';
import { registerUser } from './user.cli.js';
import { registerTrustNode } from './trust-node.cli.js';

/** Each command declares its flags in a small *.cli.ts file and imports its body only when it runs. */
export function registerCommands(program: Command): void {
  registerInit(program);
  registerStatus(program);
  registerRenew(program);
  registerUser(program);
  registerTrustNode(program);
}
