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

/**
 * Each command has a folder: cli.ts declares its flags and imports the rest
 * (index.ts: resolve → plan → apply → report) only when it runs, so --help loads
 * nothing heavy.
 */
export function registerCommands(program: Command): void {
  registerInit(program);
  registerStatus(program);
  registerRenew(program);
  registerUser(program);
  registerTrustNode(program);
  registerImages(program);
  registerRm(program);
  registerPrune(program);
  registerGc(program);
  registerUpgrade(program);
  registerK8sSecret(program);
}
