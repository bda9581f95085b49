import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import * as source from '../../src/bundle/plan-files.js';
import * as sourceTimer from '../../src/render/renew-timer.js';
import type { BundleState } from '../../src/bundle/state.js';
// @ts-expect-error: a plain .mjs build script, no types
import { precompiledTemplates } from '../../src/build/precompiled-templates.mjs';

/**
 * The bundle renders from templates precompiled at build time (src/build/precompiled-templates.mjs),
 * the tests from templates compiled at run time: both must write the same files.
 */
const dir = mkdtempSync(join(tmpdir(), 'rs-precompiled-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bundled(): Promise<{ planBundleFiles: typeof source.planBundleFiles; planRenewTimer: typeof sourceTimer.planRenewTimer }> {
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, `export { planBundleFiles } from ${JSON.stringify(join(import.meta.dirname, '../../src/bundle/plan-files.ts'))};
export { planRenewTimer } from ${JSON.stringify(join(import.meta.dirname, '../../src/render/renew-timer.ts'))};\n`);
  const out = join(dir, 'out.mjs');
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'error', plugins: [precompiledTemplates],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" } });
  return import(pathToFileURL(out).href);
}

const state = (over: Partial<BundleState>): BundleState => ({
  version: 1, mode: 'tls', hosts: ['10.0.0.5', 'registry.lan', '*.lan', 'on'], port: 5000, days: 825, caDays: 3650, keyType: 'ecdsa',
  bcryptCost: 5, externalCa: false, image: source.REGISTRY_IMAGE, createdAt: '2026-01-01T00:00:00.000Z', ...over,
});
const material = { caCertPem: 'CA\n', caKeyPem: 'CAKEY\n', certPem: 'CERT\n', keyPem: 'KEY\n', htpasswd: 'a:$2b$05$x\n' };

describe('precompiled templates', () => {
  it('write the same bundle files and timer units as templates compiled at run time', async () => {
    const b = await bundled();
    const states = [
      state({}),
      state({ mode: 'proxy', port: 443 }),
      state({ mode: 'insecure', port: 5001 }),
      state({ keyType: 'rsa', keySize: 3072, caKeySize: 4096, externalCa: true }),
    ];
    for (const s of states) {
      const ours = b.planBundleFiles(s, material);
      expect(ours.map((f) => [f.path, f.contents])).toEqual(source.planBundleFiles(s, material).map((f) => [f.path, f.contents]));
      expect(ours.length).toBeGreaterThan(5);
    }
    for (const systemd of [true, false]) {
      const input = { dir: '/srv/my registry', node: '/usr/bin/node', cli: '/opt/rs/dist/cli.js', extraArgs: ['--ca-cert', '/x y/ca.crt'], systemd };
      expect(b.planRenewTimer(input)).toEqual(sourceTimer.planRenewTimer(input));
    }
  });
});
