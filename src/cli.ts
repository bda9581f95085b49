#!/usr/bin/env node
import './signals.js';
import { Command, CommanderError } from 'commander';
import { CliError } from './errors.js';
import { registerCommands } from './commands/register.js';
import { flushStdout } from './io/flush.js';

/** The only place that turns errors into exit codes and calls process.exit. */
async function main(argv: string[]): Promise<number> {
  const program = new Command('registry-setup')
    .description('A private Docker registry with TLS and authentication, and every node trusting it.')
    .version(process.env.npm_package_version ?? '0.1.0')
    .option('--verbose', 'show stack traces on errors')
    .exitOverride()
    // commander's own usage errors get the same one-line shape as ours
    .configureOutput({ outputError: (str, write) => write(`${str.trim().replace(/^error: /, 'registry-setup: ')} (see --help)\n`) })
    .addHelpText('after', `
Get started:
  $ registry-setup init                                # wizard: writes ./registry
  $ cd registry && docker compose up -d                # start it
  $ registry-setup trust-node --dir registry root@node1 root@node2
  $ registry-setup status --dir registry --probe       # day 2: certificates, users, what is served

Exit codes: 0 ok, 1 failed or needs action, 2 usage error, 130 cancelled.
Every command has --help, and --json for scripts.`);
  registerCommands(program, argv);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError) {
      process.stderr.write(`registry-setup: ${err.message}\n`);
      return err.exitCode;
    }
    const verbose = argv.includes('--verbose');
    process.stderr.write(`registry-setup: ${verbose ? (err as Error).stack : (err as Error).message}\n`);
    if (!verbose) process.stderr.write('(run again with --verbose for details)\n');
    return 1;
  }
}

// exit explicitly: a key still being generated for an abandoned wizard must not hold the process open
// Every command's output leaves the process before it exits (a big --json document through a pipe).
main(process.argv).then(async (code) => {
  await flushStdout();
  process.exit(code);
});
