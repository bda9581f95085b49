import type { Command } from 'commander';
import { collect } from '../cli-helpers.js';
import { startBundleKeys } from '../../pki/keys.js';
import { resolveKeySpecs } from './key-specs.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create a registry bundle: CA, server certificate, htpasswd, config.yml, docker-compose.yml')
    .option('--dir <dir>', 'where the bundle goes', './registry')
    .option('--host <addr>', 'an IP or DNS name clients use (repeatable; the first is the main one)', collect)
    .option('--port <n>', 'the port clients use (default 5000; 443 in proxy mode)')
    .option('--mode <mode>', 'tls | proxy | insecure (default tls)')
    .option('--user <name>', 'a registry user (repeatable)', collect)
    .option('--password-stdin', "read the single --user's password from stdin")
    .option('--ca-cert <file>', 'sign with this existing CA (a chain: the signing CA first, then its issuers)')
    .option('--ca-key <file>', "the signing CA's private key (never copied into the bundle)")
    .option('--days <n>', 'server certificate validity in days (default 825, the most Apple clients accept)')
    .option('--ca-days <n>', 'CA validity in days (default 3650)')
    .option('--key-type <type>', 'ecdsa (P-256, the default) or rsa, for the CA and the server certificate')
    .option('--key-size <bits>', 'with --key-type rsa: server key size, 2048, 3072 or 4096 (default 2048)')
    .option('--ca-key-size <bits>', 'with --key-type rsa: CA key size (default 4096)')
    .option('--bcrypt-cost <n>', 'bcrypt cost for htpasswd, 4-14 (default 5; see README)')
    .option('--auth <kind>', 'htpasswd (default) or token: docker_auth with roles per repository, bcrypt once per login')
    .option('--auth-port <n>', 'with --auth token in tls mode: the token server\'s own TLS port (default 5001)')
    .option('--mirror <upstream>', 'also run a pull-through cache of UPSTREAM: docker.io, ghcr.io, quay.io, registry.k8s.io, gcr.io, or NAME=https://URL (repeatable)', collect)
    .option('--mirror-port <n>', 'the first mirror\'s port (default 5010); the next mirrors take the next free ones')
    .option('--mirror-credentials-stdin', 'read the one --mirror\'s upstream login from stdin: a user line, then a password line')
    .option('--mirror-auth', 'mirrors ask for the bundle\'s login too (default: they serve anyone who reaches them)')
    .option('--storage <kind>', 'filesystem (default: the bundle\'s data/) or s3 (a bucket on AWS, Ceph RGW, MinIO)')
    .option('--s3-endpoint <url>', 'with --storage s3: the store\'s URL, http(s)://HOST[:PORT] (required for RGW or MinIO; omit for AWS)')
    .option('--s3-bucket <name>', 'with --storage s3: the bucket')
    .option('--s3-region <region>', 'with --storage s3: the region (default us-east-1)')
    .option('--s3-credentials-stdin', 'read the access key and the secret from stdin, one a line (else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else the wizard asks)')
    .option('--s3-create-bucket', 'create the bucket if it does not exist')
    .option('--s3-redirect', 'clients fetch blobs straight from the store (307 to a signed URL): every client must reach it')
    .option('--no-s3-redirect', 'the registry streams blobs itself (the default: LAN nodes often cannot reach the store)')
    .option('--replicas <n>', 'with --storage s3: run N registry instances behind nginx (implies --mode proxy), sharing http.secret and a redis cache')
    .option('-y, --yes', 'take the defaults for everything the flags leave open; generate passwords')
    .option('--force', 'replace an existing bundle (the old one is kept under .gen/; data/ is untouched)')
    .option('--dry-run', 'list the files that would be written, with their modes; write nothing')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Examples:
  $ registry-setup init                                   # the wizard
  $ registry-setup init --yes --host 10.0.0.5 --host registry.lan
  $ echo "$PASS" | registry-setup init --host 10.0.0.5 --user ci --password-stdin
  $ registry-setup init --mode proxy --host registry.example.com --yes --dry-run
  $ registry-setup init --key-type rsa --yes --host 10.0.0.5     # for clients that take only RSA
  $ registry-setup init --auth token --yes --host 10.0.0.5       # roles: user add NAME --role pull|push|admin
  $ registry-setup init --yes --host 10.0.0.5 --mirror docker.io --mirror ghcr.io   # caches on 5010 and 5011
  $ printf '%s\\n%s\\n' "$HUB_USER" "$HUB_TOKEN" | registry-setup init --yes --host 10.0.0.5 --mirror docker.io --mirror-credentials-stdin
  $ printf '%s\\n%s\\n' "$AK" "$SK" | registry-setup init --yes --host 10.0.0.5 \\
      --storage s3 --s3-endpoint http://10.0.0.7:7480 --s3-bucket registry --s3-credentials-stdin --replicas 2`)
    .action(async (opts) => {
      // Start both keys before loading init's modules (forge, yaml, handlebars): the
      // imports then overlap key generation instead of preceding it.
      const specs = resolveKeySpecs(opts);
      const keys = opts.dryRun ? null : startBundleKeys(specs.leafKey, opts.caCert ? null : specs.caKey);
      return (await import('./index.js')).init(opts, { keys });
    });
}
