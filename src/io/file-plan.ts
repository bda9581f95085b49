/**
 * One file a command will write. The plan is data: --dry-run prints it and tests
 * read it. `contents` is null while it is still pending (a key not generated yet,
 * a certificate not signed yet): a dry run lists such a file with its mode all the
 * same, so it shows exactly what a real run writes.
 */
export interface PlannedFile {
  path: string; // relative to the bundle directory
  contents: string | null;
  mode: number;
}

export interface WrittenFile extends PlannedFile {
  contents: string;
}

export const PRIVATE = 0o600;
export const PUBLIC = 0o644;

export function formatMode(mode: number): string {
  return `0${mode.toString(8)}`;
}

/** The plan with every content known: what a writer accepts. */
export function resolvedFiles(files: readonly PlannedFile[]): WrittenFile[] {
  const pending = files.find((f) => f.contents === null);
  if (pending) throw new Error(`internal: ${pending.path} is still pending; only a dry run may print a plan like this`);
  return files as WrittenFile[];
}

/** What --dry-run prints and --json carries for a plan. */
export function describePlan(files: readonly PlannedFile[]): { path: string; mode: string; pending?: true }[] {
  return files.map((f) => ({ path: f.path, mode: formatMode(f.mode), ...(f.contents === null && { pending: true as const }) }));
}
