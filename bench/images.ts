import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { startService } from '../test/e2e/support/compose-stack.js';
import { freePort } from '../test/e2e/support/net.js';
import { interleave, row, type BenchRow } from './report.js';
import { seedRegistry } from './seed-registry.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const PASSWORD = 'bench-only-password';
const REPOS = 200;
const TAGS = 5;
const ACCEPT = 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json';

/**
 * The guides' way, as they print it: curl the catalog, then each repository's
 * tags, then each tag's manifest digest (HEAD with the Accept header, or the
 * digest is wrong), one request after another. Credentials and CA come from a
 * curl config file, as the guides' -u and --cacert would. Prints "repo tag digest".
 */
const CURL_LOOP = `set -e
C="curl -sf -K $1"
URL=$2
for repo in $($C "$URL/v2/_catalog?n=1000" | sed -e 's/.*\\[//' -e 's/\\].*//' | tr ',' '\\n' | tr -d '"'); do
  for tag in $($C "$URL/v2/$repo/tags/list" | sed -e 's/.*\\[//' -e 's/\\].*//' | tr ',' '\\n' | tr -d '"'); do
    digest=$($C -I -H "Accept: $3" "$URL/v2/$repo/manifests/$tag" | tr -d '\\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}')
    echo "$repo $tag $digest"
  done
done
`;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/**
 * `images --json` on 200 repositories × 5 tags against the sequential curl loop,
 * on the same registry (3.1.1, tls mode, our bcrypt cost) in the same run. Both
 * sides must list the same repository, tag and digest triples, or the bench fails.
 */
export async function benchImages(runs = 5): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'rs-bench-images-'));
  try {
    const port = await freePort();
    const dir = join(root, 'bundle');
    await execa(process.execPath, [CLI, 'init', '--dir', dir, '--host', '127.0.0.1', '--port', String(port), '--user', 'bench', '--password-stdin', '--json'], { input: PASSWORD });
    const service = await startService(dir, 'registry', { registryMajor: 3 });
    try {
      const url = `https://127.0.0.1:${port}`;
      const caFile = join(dir, 'ca/ca.crt');
      await seedRegistry({ url, caPem: readFileSync(caFile, 'utf8'), user: 'bench', password: PASSWORD, repos: REPOS, tagsPerRepo: TAGS });
      writeFileSync(join(root, 'curl.cfg'), `user = "bench:${PASSWORD}"\ncacert = "${caFile}"\n`, { mode: 0o600 });
      writeFileSync(join(root, 'loop.sh'), CURL_LOOP);

      const ours = async () => {
        const r = await execa(process.execPath, [CLI, 'images', '--dir', dir, '--user', 'bench', '--password-stdin', '--json'], { input: PASSWORD });
        const doc = JSON.parse(r.stdout) as { repositories: { name: string; tags: { tag: string; digest: string }[] }[] };
        return doc.repositories.flatMap((repo) => repo.tags.map((t) => `${repo.name} ${t.tag} ${t.digest}`)).sort();
      };
      const reference = async () => (await execa('sh', [join(root, 'loop.sh'), join(root, 'curl.cfg'), url, ACCEPT])).stdout.split('\n').sort();

      const a = await ours();
      const b = await reference();
      if (a.length !== REPOS * TAGS || a.join('\n') !== b.join('\n')) {
        throw new Error(`images and the curl loop disagree (${a.length} vs ${b.length} tags): the comparison would mean nothing`);
      }
      const [oursMs, refMs] = await interleave(runs, async () => (await timed(ours)).ms, async () => (await timed(reference)).ms);
      return [row(`images: ${REPOS} repositories × ${TAGS} tags vs the guides' curl loop`, 'registry-setup images --json (catalog, tags, manifests and configs)', oursMs,
        'sequential curl: catalog, then tags, then each manifest digest (HEAD with Accept)', refMs, 0.125,
        `medians of ${runs} interleaved runs, whole processes; both list the same ${a.length} repository/tag/digest triples; images also reads each config for its created time`)];
    } finally {
      await service.stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
