/** Rows of cells as aligned text columns, two spaces apart; the last column is not padded. */
export function alignColumns(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** Bytes as docker prints them: decimal units, three significant digits. */
export function humanBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}

/** "sha256:0123456789ab": enough to tell digests apart on a screen; --json has them whole. */
export const shortDigest = (d: string): string => d.slice(0, d.indexOf(':') + 13);

/** "2026-05-01 12:30" in UTC (headers say so), or "-". */
export const shortTime = (iso: string | null): string => (iso ? iso.slice(0, 16).replace('T', ' ') : '-');
