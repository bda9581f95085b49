import type { BundleState } from '../bundle/state.js';
import { BUNDLE_FILES } from '../bundle/state.js';
import { dialableHosts, registryAddress } from '../pki/hosts.js';
import { formatMode, type PlannedFile } from '../io/file-plan.js';
import type { Output } from '../io/output.js';
import type { UserAnswer } from '../options/init-options.js';

export interface InitSummary {
  dir: string;
  state: BundleState;
  files: PlannedFile[];
  users: UserAnswer[];
  replaced: boolean;
}

/** What was written, how to start it, and the exact next commands; generated passwords appear here once. */
export function printInitSummary(out: Output, s: InitSummary): void {
  const registry = registryAddress(dialableHosts(s.state.hosts)[0] ?? s.state.hosts[0]!, s.state.port);
  const generated = s.users.filter((u) => u.generated);
  if (out.isJson) {
    return out.json({
      dir: s.dir,
      mode: s.state.mode,
      registry,
      files: s.files.map((f) => ({ path: f.path, mode: formatMode(f.mode) })),
      users: s.users.map((u) => ({ name: u.name, ...(u.generated && { password: u.password }) })),
    });
  }
  const user = s.users[0]?.name;
  const caFile = `${s.dir}/${BUNDLE_FILES.caCert}`;
  out.print(`${out.green('✔')} Wrote a ${s.state.mode}-mode registry bundle in ${out.bold(s.dir)}:`);
  for (const f of s.files) out.print(`    ${formatMode(f.mode)}  ${f.path}`);
  if (generated.length > 0) {
    out.print(`\n${out.bold('Generated passwords')} (shown once; they are stored only as bcrypt hashes):`);
    for (const u of generated) out.print(`    ${u.name}  ${u.password}`);
  }
  const lines = [
    '',
    out.bold('Next steps'),
    s.replaced
      ? `  1. Restart it on this host:    cd ${s.dir} && docker compose up -d --force-recreate   (config.yml is mounted as a file)`
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
