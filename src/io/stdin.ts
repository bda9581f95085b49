/** Reads all of stdin once; --password-stdin is the only reader. */
let cached: Promise<string> | undefined;

export function readStdin(): Promise<string> {
  cached ??= (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  })();
  return cached;
}
