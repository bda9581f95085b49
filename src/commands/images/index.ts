import { createOutput, type Output } from '../../io/output.js';
import { createProgressLine, type ProgressStream } from '../../io/progress-line.js';
import { connectRegistry, type ConnectDeps } from '../../registry/connect.js';
import { readInventory } from '../../registry/inventory.js';
import { planRepos } from './plan.js';
import { printImages } from './report.js';
import { resolveImages, type ImagesFlags } from './resolve.js';

export interface ImagesDeps extends ConnectDeps {
  out?: Output;
  progress?: ProgressStream;
}

/** resolve → plan (which repositories) → read them all → report. */
export async function images(repoArgs: string[], flags: ImagesFlags, deps: ImagesDeps = {}): Promise<void> {
  const opts = resolveImages(repoArgs, flags);
  const out = deps.out ?? createOutput({ json: flags.json });
  const client = await connectRegistry(opts.connection, out, deps);
  const progress = createProgressLine(deps.progress);
  try {
    const repos = planRepos(opts.repos, opts.repos.length > 0 ? null : await client.catalog());
    const inventory = await readInventory(client, repos, (done, total) => progress.update(`• reading ${repos.length} repositories: ${done}/${total} tags`));
    progress.done();
    printImages(out, client.address, inventory);
  } finally {
    progress.done();
    await client.close();
  }
}
