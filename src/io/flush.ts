/**
 * Resolves once everything written to stdout so far has left the process. cli.ts
 * ends with process.exit, which drops what a pipe has not taken yet: a large
 * --json document (images on a big registry) would arrive cut short.
 */
export function flushStdout(stream: NodeJS.WritableStream = process.stdout): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}
