/** One comparison in `npm run bench`: ours against a reference measured in the same run. */
export interface BenchRow {
  name: string;
  ours: string; // what was timed
  oursMedianMs: number;
  reference: string;
  referenceMedianMs: number;
  ratio: number; // ours / reference
  /** The ratio must be at or below this; null: an issue asks only for the ratio, which is reported, never judged. */
  target: number | null;
  note?: string;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function row(name: string, ours: string, oursMs: number[], reference: string, refMs: number[], target: number | null, note?: string): BenchRow {
  const oursMedianMs = median(oursMs);
  const referenceMedianMs = median(refMs);
  return { name, ours, oursMedianMs, reference, referenceMedianMs, ratio: oursMedianMs / referenceMedianMs, target, ...(note && { note }) };
}

/** Runs a and b alternately, so drift in machine load hits both alike. */
export async function interleave(runs: number, a: () => Promise<number>, b: () => Promise<number>): Promise<[number[], number[]]> {
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < runs; i++) {
    as.push(await a());
    bs.push(await b());
  }
  return [as, bs];
}
