import { writeFileSync } from 'node:fs';
import { benchImages } from './images.js';
import { benchInit } from './init.js';
import { benchRps } from './rps.js';
import { benchTrustNode } from './trust-node.js';
import { benchGc } from './gc.js';
import { benchToken } from './token.js';
import { benchMirror } from './mirror.js';
import type { BenchRow } from './report.js';

/**
 * `npm run bench`: every target is a ratio against a reference measured in the
 * same run, so a slow or busy machine moves both sides alike. Results go to
 * stdout as a table and to bench-results.json; the exit code is 1 when a ratio
 * misses its target.
 */
const only = process.argv.slice(2);
const suites: [string, () => Promise<BenchRow[]>][] = [
  ['init', () => benchInit()],
  ['rps', () => benchRps()],
  ['trust-node', () => benchTrustNode()],
  ['gc', () => benchGc()],
  ['images', () => benchImages()],
  ['token', () => benchToken()],
  ['mirror', () => benchMirror()],
];

const rows: BenchRow[] = [];
for (const [name, run] of suites) {
  if (only.length > 0 && !only.includes(name)) continue;
  process.stderr.write(`• ${name}…\n`);
  rows.push(...(await run()));
}

const fmt = (ms: number) => (ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);
for (const r of rows) {
  const verdict = r.ratio <= r.target ? 'PASS' : 'MISS';
  console.log(`${verdict}  ${r.name}: ratio ${r.ratio.toFixed(2)} (target ≤ ${r.target})`);
  console.log(`      ours      ${fmt(r.oursMedianMs).padStart(9)}  ${r.ours}`);
  console.log(`      reference ${fmt(r.referenceMedianMs).padStart(9)}  ${r.reference}`);
  if (r.note) console.log(`      ${r.note}`);
}
writeFileSync('bench-results.json', `${JSON.stringify(rows, null, 2)}\n`);
process.exitCode = rows.every((r) => r.ratio <= r.target) ? 0 : 1;
