/**
 * What changes between two versions of a small config file, line by line, for a
 * person to read: "- old line" and "+ new line" in file order. An LCS table is
 * plenty for files of a few hundred lines.
 */
export interface DiffSummary {
  added: number;
  removed: number;
  /** At most `max` lines, then "… N more". */
  lines: string[];
}

export function diffLines(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..]
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      out.push(`- ${a[i++]}`); // a changed line reads old, then new
    } else {
      out.push(`+ ${b[j++]}`);
    }
  }
  return out;
}

export function summarizeDiff(before: string, after: string, max = 10): DiffSummary {
  const all = diffLines(before, after);
  const lines = all.length > max ? [...all.slice(0, max), `… ${all.length - max} more`] : all;
  return { added: all.filter((l) => l.startsWith('+')).length, removed: all.filter((l) => l.startsWith('-')).length, lines };
}
