/** Errors carry the one line a person needs; cli.ts maps them to exit codes. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flags, arguments or missing answers: exit 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** The command ran and could not do its job: exit 1. */
export class FailError extends CliError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** Ctrl-C or a closed prompt: exit 130. */
export class CancelledError extends CliError {
  constructor(message = 'cancelled') {
    super(message, 130);
  }
}
