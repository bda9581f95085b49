import type { Output } from '../../io/output.js';
import { alignColumns, humanBytes, shortDigest, shortTime } from '../../io/table.js';
import type { RepoImages } from '../../registry/inventory.js';
import { imagesDocument } from './plan.js';

/** One row per tag; an index's platforms on the rows below it, each with its own digest, size and date. */
export function formatImagesTable(repos: RepoImages[]): string {
  const rows: string[][] = [['REPOSITORY', 'TAG', 'DIGEST', 'KIND', 'PLATFORM', 'SIZE', 'CREATED (UTC)']];
  for (const repo of repos) {
    if (repo.tags.length === 0) rows.push([repo.name, '(no tags)', '', '', '', '', '']);
    for (const t of repo.tags) {
      const platform = t.kind === 'index' ? `${t.platforms?.length ?? 0} platforms` : (t.platform ?? '-');
      rows.push([repo.name, t.tag, shortDigest(t.digest), t.kind, platform, t.size === null ? '-' : humanBytes(t.size), shortTime(t.created)]);
      for (const p of t.platforms ?? []) rows.push(['', '', `  ${shortDigest(p.digest)}`, '↳ image', p.platform, humanBytes(p.size), shortTime(p.created)]);
    }
  }
  return alignColumns(rows);
}

export function printImages(out: Output, registry: string, repos: RepoImages[]): void {
  if (out.isJson) return out.json(imagesDocument(registry, repos));
  if (repos.length === 0) return out.print(`${registry} holds no repositories.`);
  out.print(formatImagesTable(repos));
  const tags = repos.reduce((n, r) => n + r.tags.length, 0);
  out.print(`\n${repos.length} repositor${repos.length === 1 ? 'y' : 'ies'}, ${tags} tag${tags === 1 ? '' : 's'} at ${registry}`);
}
