import type { Writable } from 'node:stream';

export interface Output {
  /** Progress and decoration go to stderr, so stdout stays clean for --json and pipes. */
  progress(line: string): void;
  warn(line: string): void;
  print(text: string): void;
  json(value: unknown): void;
  bold(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  readonly isJson: boolean;
}

export interface OutputOptions {
  json?: boolean;
  stdout?: Writable & { isTTY?: boolean };
  stderr?: Writable & { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
}

export function createOutput(opts: OutputOptions = {}): Output {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const env = opts.env ?? process.env;
  const color = !opts.json && Boolean(stdout.isTTY) && !('NO_COLOR' in env) && env.TERM !== 'dumb';
  const paint = (code: number) => (t: string) => (color ? `\x1b[${code}m${t}\x1b[0m` : t);
  const isJson = Boolean(opts.json);
  return {
    isJson,
    progress: (line) => {
      if (!isJson) stderr.write(`${line}\n`);
    },
    warn: (line) => stderr.write(`warning: ${line}\n`),
    print: (text) => {
      if (!isJson) stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    json: (value) => stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    bold: paint(1),
    green: paint(32),
    red: paint(31),
    yellow: paint(33),
  };
}
