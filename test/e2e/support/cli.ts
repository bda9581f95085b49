import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** The built CLI, run as a person would run it (npm test builds dist/ first). */
export const CLI = fileURLToPath(new URL('../../../dist/cli.js', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], opts: { input?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does it first)`);
  const r = await execa(process.execPath, [CLI, ...args], {
    reject: false, input: opts.input ?? '', env: { NO_COLOR: '1', ...opts.env }, cwd: opts.cwd, timeout: 60_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI and parses its --json stdout, failing loudly with stderr when it is not JSON. */
export async function runCliJson<T = Record<string, unknown>>(args: string[], opts: Parameters<typeof runCli>[1] = {}): Promise<CliResult & { json: T }> {
  const r = await runCli([...args, '--json'], opts);
  try {
    return { ...r, json: JSON.parse(r.stdout) as T };
  } catch {
    throw new Error(`registry-setup ${args.join(' ')} --json printed no JSON (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  }
}

/** One digest over every path, mode and byte under dir: "nothing changed" is an equality. */
export function treeHash(dir: string): string {
  const hash = createHash('sha256');
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const relPath = path.join(rel, name);
      const st = lstatSync(path.join(dir, relPath));
      hash.update(`${relPath}\0${st.mode.toString(8)}\0`);
      if (st.isDirectory()) walk(relPath);
      else if (st.isFile()) hash.update(readFileSync(path.join(dir, relPath)));
    }
  };
  walk('.');
  return hash.digest('hex');
}
