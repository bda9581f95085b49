import { GEN_DIR } from '../../bundle/layout.js';
import { reloadCommand } from '../../bundle/reload.js';
import type { Output } from '../../io/output.js';
import type { UpgradeFile, UpgradePlan } from './plan.js';

interface Upgraded {
  dir: string;
  plan: UpgradePlan;
  dryRun: boolean;
  force: boolean;
  /** The generation replaced: the backup. */
  previous?: string | null;
  /** A bundle from before generations was adopted: its containers must be made anew from the new compose file. */
  converted?: boolean;
  reloaded?: boolean;
  pullNote?: string | null;
}

const counts = (f: UpgradeFile) => `+${f.diff.added} -${f.diff.removed}`;

const why: Record<UpgradeFile['status'], string> = {
  unchanged: 'already current',
  create: 'missing: written',
  update: 'replaced',
  edited: 'edited by hand since registry-setup wrote it',
};

/** What would change in each file edited by hand, on stderr, before upgrade refuses. */
export function printRefusal(out: Output, edited: UpgradeFile[]): void {
  for (const f of edited) {
    out.warn(`${f.path} was edited by hand since registry-setup wrote it; upgrade would change it like this (${counts(f)} lines):`);
    for (const line of f.diff.lines) out.progress(`    ${line}`);
  }
}

export function printUpgrade(out: Output, u: Upgraded): void {
  const { plan } = u;
  const changed = plan.files.filter((f) => f.status !== 'unchanged');
  if (out.isJson) {
    return out.json({
      dryRun: u.dryRun, image: plan.image, upgraded: !u.dryRun && changed.length > 0,
      files: plan.files.map((f) => ({ path: f.path, status: f.status, hashRecorded: f.recorded, added: f.diff.added, removed: f.diff.removed, diff: f.diff.lines })),
      previous: u.previous ? `${GEN_DIR}/${u.previous}` : null, reloaded: Boolean(u.reloaded), pullNote: u.pullNote ?? null,
    });
  }
  const image = plan.image.from === plan.image.to ? `the registry image stays ${plan.image.to}` : `the registry image goes from ${plan.image.from} to ${plan.image.to}`;
  if (changed.length === 0) {
    out.print(`${out.green('✔')} Already current: ${image}; every generated file is what this release writes.`);
  } else {
    out.print(u.dryRun ? `Would upgrade ${u.dir} (nothing written): ${image}.` : `${out.green('✔')} Upgraded ${u.dir}: ${image}.`);
    for (const f of changed) {
      const note = f.status === 'edited' ? (u.force ? `${why.edited}: replaced (--force)` : `${why.edited}: needs --force`) : why[f.status];
      out.print(`  ${f.path}  ${counts(f)}  ${note}${f.recorded ? '' : ' (no hash was recorded: a bundle from before)'}`);
      for (const line of f.diff.lines) out.print(`      ${line}`);
    }
  }
  if (u.dryRun) return;
  if (u.previous && changed.length > 0) out.print(`  The previous files are kept as ${GEN_DIR}/${u.previous}/ (the undo).`);
  if (u.reloaded) out.print(`  Containers recreated from the new file (docker compose up -d)${u.pullNote ? ', from the images already here' : ''}.`);
  else if (changed.length > 0) out.print(`  The running containers still use the old file until you run:\n    ${reloadCommand(u.dir, plan.state.mode, true)}`);
  if (u.converted) out.print(`  The bundle now keeps its files in generations (${GEN_DIR}/): the containers must be recreated once for the new mounts.`);
}
