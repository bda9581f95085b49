import { execFileSync } from 'node:child_process';

/**
 * Real-peer tests skip on a developer machine that lacks a peer, but in CI a
 * skip would hide a missing install step, so there it throws instead.
 */
export function missingPeers(commands: string[]): string[] {
  const missing = commands.filter((c) => {
    try {
      execFileSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0 && process.env.CI) {
    throw new Error(`CI must run every real-peer test, but these are missing: ${missing.join(', ')}`);
  }
  if (missing.length === 0 && process.getuid?.() !== 0 && process.env.CI) {
    throw new Error('CI must run the real-peer tests as root');
  }
  return missing;
}

/** True when the real-peer tests can run here (they need root for namespaces). */
export function canRunPeers(commands: string[]): boolean {
  return missingPeers(commands).length === 0 && process.getuid?.() === 0;
}
