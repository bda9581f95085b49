import net from 'node:net';
import tls from 'node:tls';

/** One TCP connect attempt; resolves true when something accepts. */
export function isPortOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface WaitOptions {
  /** Polled between attempts: a message here aborts the wait at once (e.g. "process exited"). */
  abortReason?: () => string | undefined;
  /** Appended to the timeout error, e.g. the tail of the server's log. */
  describe?: () => string;
  intervalMs?: number;
}

/** Polls until host:port accepts a TCP connection, or throws after timeoutMs. */
export async function waitForPort(
  host: string,
  port: number,
  timeoutMs = 15_000,
  opts: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await isPortOpen(host, port)) return;
    const aborted = opts.abortReason?.();
    const why = aborted ?? (Date.now() >= deadline ? `timed out after ${timeoutMs} ms` : undefined);
    if (why) {
      const extra = opts.describe ? `\n${opts.describe()}` : '';
      throw new Error(`waiting for ${host}:${port}: ${why}${extra}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

/**
 * A port that was free a moment ago. Racy by nature (another process may take
 * it before the caller binds), which is acceptable for serial e2e files.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** The fingerprint of the certificate a TLS server presents, read without the product's probe code. */
export function servedFingerprint(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host, port, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.end();
    });
    s.once('error', reject);
  });
}
