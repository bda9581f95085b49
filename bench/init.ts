import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { interleave, median, row, type BenchRow } from './report.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;

/** The tutorials' recipe at the same key sizes: CA RSA-4096, leaf RSA-2048 with SANs, htpasswd -B. */
const OPENSSL_RECIPE = `set -e
openssl req -x509 -newkey rsa:4096 -nodes -sha256 -days 3650 -keyout ca.key -out ca.crt -subj "/CN=Registry CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout registry.key -out registry.csr -subj "/CN=10.0.0.5" 2>/dev/null
printf 'subjectAltName=IP:10.0.0.5,DNS:registry.lan\\nextendedKeyUsage=serverAuth\\n' > san.ext
openssl x509 -req -in registry.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha256 -extfile san.ext -out registry.crt 2>/dev/null
htpasswd -Bbn admin "$(openssl rand -base64 24)" > htpasswd
`;

/**
 * A user's environment, not this machine's: here NODE_EXTRA_CA_CERTS names the system's
 * 150-certificate bundle, and every Node process parses all of it before running a line
 * (node::crypto::UseExtraCaCerts, about 80% of `node -e 0`'s instructions under callgrind,
 * 60–80 ms). openssl never reads it. The Node processes run without it; the init row
 * also reports the ratio with it, so the cost stays visible.
 */
const USER_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS'));
const node = (args: string[], env = USER_ENV) => execa(process.execPath, args, { env, extendEnv: false });

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export async function benchInit(runs = 21): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'rs-bench-init-'));
  writeFileSync(join(root, 'recipe.sh'), OPENSSL_RECIPE);
  let i = 0;
  try {
    const init = (extra: string[], env?: NodeJS.ProcessEnv) => () =>
      timed(() => node([CLI, 'init', '--yes', '--json', '--host', '10.0.0.5', '--host', 'registry.lan', '--dir', join(root, `ours-${i++}`), ...extra], env));
    const ours = init([]);
    const oursAsIs = init([], process.env);
    const oursRsa = init(['--key-type', 'rsa']);
    const recipe = () => {
      const dir = mkdtempSync(join(root, 'recipe-'));
      return timed(() => execa('sh', [join(root, 'recipe.sh')], { cwd: dir }));
    };
    await ours(); // warm the page cache for both before measuring
    await recipe();
    const [a, b] = await interleave(runs, ours, recipe);
    const [c, b3] = process.env.NODE_EXTRA_CA_CERTS ? await interleave(runs, oursAsIs, recipe) : [[], []];
    const [r, b2] = await interleave(runs, oursRsa, recipe);
    const help = () => timed(() => node([CLI, '--help']));
    const bare = () => timed(() => node(['-e', '0']));
    const [h, n] = await interleave(runs, help, bare);
    return [
      row('init --yes (defaults) vs the openssl recipe', 'registry-setup init --yes (ECDSA P-256 CA + leaf + htpasswd)', a, 'openssl RSA-4096 CA + RSA-2048 leaf + htpasswd -B', b, 0.15,
        'what a user waits for at the defaults: no prime search at all; medians of interleaved runs' +
          (c.length ? `; with this machine's NODE_EXTRA_CA_CERTS (${process.env.NODE_EXTRA_CA_CERTS}) parsed at start: ${(median(c) / median(b3)).toFixed(2)}× (${Math.round(median(c))} ms)` : '')),
      row('init --key-type rsa vs the openssl recipe', 'registry-setup init --yes --key-type rsa (CA RSA-4096 + leaf RSA-2048)', r, 'openssl req ×2 + x509 + htpasswd -B', b2, 0.9,
        'RSA key generation dominates both and varies widely run to run'),
      row('--help vs node -e 0', 'registry-setup --help', h, 'node -e 0', n, 2.0),
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
