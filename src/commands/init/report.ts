import type { BundleState } from '../../bundle/state.js';
import { BUNDLE_FILES } from '../../bundle/state.js';
import { GEN_DIR } from '../../bundle/layout.js';
import { mainAddress } from '../../pki/hosts.js';
import { describePlan, formatMode, type PlannedFile } from '../../io/file-plan.js';
import type { Output } from '../../io/output.js';
import type { UserAnswer } from './resolve.js';
import { mirrorLines } from '../mirror/report.js';
import { describeMirror } from '../../mirrors/services.js';

export interface InitSummary {
  dir: string;
  state: BundleState;
  files: PlannedFile[];
  users: UserAnswer[];
  replaced: boolean;
  /** The generation replaced (--force), kept under .gen/. */
  previous: string | null;
}

/** --dry-run: the same plan a real run writes, secret files listed as pending. */
export function printDryRun(out: Output, dir: string, plan: { files: PlannedFile[] }): void {
  if (out.isJson) return out.json({ dryRun: true, dir, files: describePlan(plan.files) });
  out.print(`Would write ${plan.files.length} files in ${dir} (nothing written):`);
  for (const f of plan.files) out.print(`  ${formatMode(f.mode)}  ${f.path}${f.contents === null ? '   (generated)' : ''}`);
}

/** What was written, how to start it, and the exact next commands; generated passwords appear here once. */
export function printInitSummary(out: Output, s: InitSummary): void {
  const registry = mainAddress(s.state.hosts, s.state.port);
  const generated = s.users.filter((u) => u.generated);
  if (out.isJson) {
    return out.json({
      dir: s.dir,
      mode: s.state.mode,
      registry,
      ...(s.state.s3 && { storage: { kind: 's3', ...s.state.s3, replicas: s.state.replicas ?? 1 } }),
      files: describePlan(s.files),
      ...(s.previous && { previous: `${GEN_DIR}/${s.previous}` }),
      users: s.users.map((u) => ({ name: u.name, ...(u.generated && { password: u.password }) })),
      ...(s.state.mirrors && { mirrors: s.state.mirrors.map((m) => describeMirror(s.state, m)) }),
    });
  }
  const user = s.users[0]?.name;
  const caFile = `${s.dir}/${BUNDLE_FILES.caCert}`;
  out.print(`${out.green('✔')} Wrote a ${s.state.mode}-mode registry bundle in ${out.bold(s.dir)}:`);
  for (const f of s.files) out.print(`    ${formatMode(f.mode)}  ${f.path}`);
  if (s.state.s3) {
    const where = `bucket ${s.state.s3.bucket} at ${s.state.s3.endpoint ?? `AWS ${s.state.s3.region}`}`;
    out.print(`  Storage: ${where}; its keys are only in ${BUNDLE_FILES.registryEnv}${s.state.replicas ? `; ${s.state.replicas} registry instances behind nginx, with redis` : ''}.`);
  }
  if (s.previous) out.print(`  The bundle it replaced is kept as ${GEN_DIR}/${s.previous}/ (data/ is untouched).`);
  if (generated.length > 0) {
    out.print(`\n${out.bold('Generated passwords')} (shown once; they are stored only as bcrypt hashes):`);
    for (const u of generated) out.print(`    ${u.name}  ${u.password}`);
  }
  if (s.state.mirrors?.length) out.print(`\n${out.bold('Pull-through caches')} (started with the registry${s.state.mirrorAuth ? '; they ask for its login' : '; no login'}):\n${mirrorLines(s.state).join('\n')}`);
  const lines = [
    '',
    out.bold('Next steps'),
    s.replaced
      ? `  1. Restart it on this host:    cd ${s.dir} && docker compose up -d --force-recreate   (a running registry keeps its old config)`
      : `  1. Start it on this host:      cd ${s.dir} && docker compose up -d`,
    `  2. Make each node trust it:    npx registry-setup trust-node --dir ${s.dir} root@NODE1 root@NODE2`,
    ...(s.state.mode === 'insecure'
      ? []
      : [
          `     (by hand on one node: copy ${caFile} to /etc/docker/certs.d/${registry}/ca.crt)`,
          `  3. Log in from a node:         docker login ${registry} -u ${user}`,
        ]),
    `  ${s.state.mode === 'insecure' ? 3 : 4}. Test a push:                docker pull busybox && docker tag busybox ${registry}/busybox && docker push ${registry}/busybox`,
  ];
  out.print(lines.join('\n'));
}
