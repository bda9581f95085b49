import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** A command in a real pseudo-terminal (tmux), read and typed at like a person would. */
export interface Terminal {
  screen(): string;
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  type(...keys: string[]): void;
  /** The command's exit code, written to a file by the wrapper shell. */
  exitCode(): Promise<number>;
  kill(): void;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function startTerminal(session: string, argv: string[], env: Record<string, string>, exitFile: string, width = 160): Terminal {
  const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
  const command = `${argv.map(q).join(' ')}; echo $? > ${q(exitFile)}; sleep 60`;
  tmux('new-session', '-d', '-s', session, '-x', String(width), '-y', '50', ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), command);
  const screen = () => tmux('capture-pane', '-p', '-t', session);
  return {
    screen,
    async waitFor(text, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = screen();
        if (typeof text === 'string' ? s.includes(text) : text.test(s)) return s;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${text}; the screen shows:\n${s}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    type: (...keys) => void tmux('send-keys', '-t', session, ...keys),
    async exitCode() {
      for (let i = 0; i < 150 && !existsSync(exitFile); i++) await new Promise((r) => setTimeout(r, 100));
      return Number(readFileSync(exitFile, 'utf8'));
    },
    kill() {
      try {
        tmux('kill-session', '-t', session);
      } catch {
        // already gone
      }
    },
  };
}
