import type { Command } from 'commander';
import { registerInit } from './init.cli.js';

/** Each command declares its flags in a small *.cli.ts file and imports its body only when it runs. */
export function registerCommands(program: Command): void {
  registerInit(program);
}
