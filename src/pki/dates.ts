/** Certificate validity is counted in whole days. */
export const DAY_MS = 24 * 60 * 60 * 1000;

/** The date part people read in messages: 2026-12-13. */
export function isoDay(date: Date | string): string {
  return (typeof date === 'string' ? date : date.toISOString()).slice(0, 10);
}

/** 2026-02-03T04:05:06.789Z → 20260203T040506789Z: sortable and safe in file names. */
export function compactStamp(now: Date): string {
  return now.toISOString().replace(/[-:.]/g, '');
}
