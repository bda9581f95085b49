/** Kept apart, with no imports, so that --help (which shows them) loads no validator or library. */
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_TIMEOUT_S = 30;
