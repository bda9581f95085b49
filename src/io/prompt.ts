import { CancelledError } from '../errors.js';

/** Every question the tool asks goes through this interface, so tests can script the answers. */
export interface Prompter {
  input(message: string, initial?: string, validate?: (value: string) => true | string): Promise<string>;
  select(message: string, choices: { name: string; hint?: string }[], initial: string): Promise<string>;
  password(message: string, validate?: (value: string) => true | string): Promise<string>;
  /** A line for the person between questions. */
  note(line: string): void;
}

type Enquirer = { prompt(q: object): Promise<Record<string, unknown>> };

/** The one place enquirer is imported; lazily, so commands that never ask do not load it. */
export async function createTerminalPrompter(): Promise<Prompter> {
  const { default: enquirer } = (await import('enquirer')) as unknown as { default: Enquirer };
  const ask = async (question: object): Promise<string> => {
    try {
      const answer = await enquirer.prompt({ name: 'value', ...question });
      return String(answer.value);
    } catch {
      // enquirer rejects (with an empty reason) on Ctrl-C or Esc
      throw new CancelledError();
    }
  };
  return {
    input: (message, initial, validate) => ask({ type: 'input', message, initial, validate }),
    select: (message, choices, initial) =>
      ask({ type: 'select', message, choices: choices.map((c) => ({ name: c.name, hint: c.hint })), initial }),
    // invisible, like sudo: asterisks would tell an onlooker the password's length
    password: (message, validate) => ask({ type: 'invisible', message, validate }),
    note: (line) => process.stderr.write(`${line}\n`),
  };
}
