/**
 * What `registry garbage-collect` prints on stdout (2.8 and 3.x alike): a line per
 * marked manifest and blob, then "N blobs marked, M blobs and K manifests eligible
 * for deletion", then one "blob eligible for deletion: sha256:…" per blob it deletes
 * (or, with --dry-run, would delete).
 */
export interface GcOutput {
  blobsMarked: number | null;
  manifestsEligible: number;
  /** sha256 hex of each blob eligible for deletion. */
  blobsEligible: string[];
}

export function parseGcOutput(stdout: string): GcOutput {
  const summary = /(\d+) blobs marked, (\d+) blobs and (\d+) manifests eligible for deletion/.exec(stdout);
  const blobs = [...stdout.matchAll(/^blob eligible for deletion: sha256:([0-9a-f]{64})\s*$/gm)].map((m) => m[1]!);
  return {
    blobsMarked: summary ? Number(summary[1]) : null,
    manifestsEligible: summary ? Number(summary[3]) : 0,
    blobsEligible: [...new Set(blobs)],
  };
}

/** The argv for garbage-collect with a given config, as the image's own program takes it. */
export function gcArgs(config: string, opts: { dryRun: boolean; deleteUntagged: boolean }): string[] {
  return ['garbage-collect', ...(opts.dryRun ? ['--dry-run'] : []), ...(opts.deleteUntagged ? ['--delete-untagged'] : []), config];
}
