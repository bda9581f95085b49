import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailError } from '../../errors.js';
import type { ExecResult } from '../../stack/stack-control.js';
import { blobExists, blobSizes, removeRepository, taglessRepositories } from '../../storage/filesystem.js';
import { parseGcOutput } from '../../storage/gc-output.js';

export interface Collected {
  /** Repositories with no tag left: removed (or, in a dry run, to be removed). */
  repositories: string[];
  blobs: number;
  /** null when the storage is not the bundle's data/ (S3, another path): sizes cannot be read here. */
  bytes: number | null;
  manifests: number;
}

/**
 * What runs while nothing can write: tagless repositories leave the catalog first, so
 * that the blobs only they held go in the same run, then garbage-collect itself.
 * `runGc` runs the program with the given arguments (exec in the running registry, or
 * a one-off container) and writes its stdout, which lists a line per blob, to a file.
 * A dry run changes nothing and counts what would go.
 */
export function collect(storageRoot: string | null, dryRun: boolean, runGc: (stdoutFile: string) => ExecResult): Collected {
  const repositories = storageRoot ? taglessRepositories(storageRoot) : [];
  if (!dryRun) for (const name of repositories) removeRepository(storageRoot!, name);
  const sizes = storageRoot ? blobSizes(storageRoot) : null;
  const tmp = mkdtempSync(join(tmpdir(), 'registry-setup-gc-'));
  try {
    const out = join(tmp, 'stdout');
    const r = runGc(out);
    if (r.exitCode !== 0) {
      const why = r.stderr.trim().split('\n').filter((l) => !/level=(info|debug)/.test(l)).pop() ?? `exit code ${r.exitCode}`;
      throw new FailError(`garbage-collect failed: ${why}`);
    }
    const parsed = parseGcOutput(readFileSync(out, 'utf8'));
    const gone = dryRun || !storageRoot ? parsed.blobsEligible : parsed.blobsEligible.filter((hex) => !blobExists(storageRoot, hex));
    return {
      repositories,
      blobs: gone.length,
      bytes: sizes ? gone.reduce((sum, hex) => sum + (sizes.get(hex) ?? 0), 0) : null,
      manifests: parsed.manifestsEligible,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
