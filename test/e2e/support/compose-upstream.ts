import { copyFileSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REGISTRY_IMAGE } from '../../../src/bundle/plan-files.js';
import { runCli } from './cli.js';

/** The compose files a mirror test runs: the bundle's own, as written, then the test's override. */
export const UPSTREAM_OVERRIDE = 'test-upstream.yml';
export const composeFiles = ['-f', 'docker-compose.yml', '-f', UPSTREAM_OVERRIDE];

/**
 * A test-only override for a bundle with mirrors under docker compose: an "upstream"
 * service (another bundle's registry, with a CA of its own, published on `port`), and
 * each named mirror trusting that CA through SSL_CERT_FILE (`trustDir` holds ca.crt).
 * Nothing of it is in the bundle's output. Rewrite it as mirrors come and go.
 */
export function writeUpstreamOverride(bundle: string, o: { upstream: string; port: number; trustDir: string; mirrors: string[] }): void {
  const lines = [
    'services:',
    '  upstream:',
    `    image: ${REGISTRY_IMAGE}`,
    '    command: ["serve", "/etc/registry-setup/.gen/current/config.yml"]',
    '    environment: ["OTEL_TRACES_EXPORTER=none"]',
    `    ports: ["${o.port}:${o.port}"]`,
    '    volumes:',
    `      - ${o.upstream}/.gen:/etc/registry-setup/.gen:ro`,
    `      - ${o.upstream}/.tls:/etc/registry-setup/.tls:ro`,
    `      - ${o.upstream}/data:/var/lib/registry`,
    ...o.mirrors.flatMap((m) => [
      `  ${m}:`,
      '    environment: ["SSL_CERT_FILE=/test-upstream-ca/ca.crt"]',
      `    volumes: ["${o.trustDir}:/test-upstream-ca:ro"]`,
      '    depends_on: [upstream]',
    ]),
  ];
  writeFileSync(join(bundle, UPSTREAM_OVERRIDE), `${lines.join('\n')}\n`);
}

/**
 * The upstream: a bundle of its own (its own CA), named `upstream` on the compose network
 * and 127.0.0.1 from the host, open for pulls (its htpasswd section taken out). Returns
 * its dir and a directory holding only its ca.crt, for the mirrors to trust.
 */
export async function makeUpstream(root: string, name: string, port: number): Promise<{ dir: string; trustDir: string }> {
  const dir = join(root, name);
  const up = await runCli(['init', '--dir', dir, '--host', 'upstream', '--host', '127.0.0.1', '--port', String(port), '--yes']);
  if (up.exitCode !== 0) throw new Error(`init of the upstream failed: ${up.stderr}`);
  const config = realpathSync(join(dir, 'config.yml'));
  writeFileSync(config, readFileSync(config, 'utf8').replace(/^# The registry re-reads.*\nauth:\n(?: {2}.*\n)+/m, ''));
  const trustDir = mkdtempSync(join(root, `${name}-trust-`));
  copyFileSync(join(dir, 'ca/ca.crt'), join(trustDir, 'ca.crt'));
  return { dir, trustDir };
}
