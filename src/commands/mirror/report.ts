import type { BundleState } from '../../bundle/state.js';
import { shellCommand } from '../../remote/shell-quote.js';
import { describePlan } from '../../io/file-plan.js';
import type { Output } from '../../io/output.js';
import { describeMirror, mirrorDataPath } from '../../mirrors/services.js';
import type { MirrorPlan } from './plan.js';

/** One mirror on one line: init, mirror ls and status print it alike. */
export const mirrorRow = (d: Pick<ReturnType<typeof describeMirror>, 'upstream' | 'address' | 'url' | 'service'>): string =>
  `${d.upstream.padEnd(16)} ${d.address.padEnd(22)} from ${d.url}  (service ${d.service})`;

export function mirrorLines(state: BundleState): string[] {
  return (state.mirrors ?? []).map((m) => `    ${mirrorRow(describeMirror(state, m))}`);
}

export function printMirrors(out: Output, state: BundleState): void {
  if (out.isJson) return out.json({ mirrors: (state.mirrors ?? []).map((m) => describeMirror(state, m)), auth: state.mirrorAuth === true });
  if (!state.mirrors?.length) return out.print('No mirrors. Add one with: registry-setup mirror add docker.io');
  out.print(`Mirrors (${state.mirrorAuth ? 'they ask for the bundle\'s login' : 'no login: anyone who reaches them can pull'}):`);
  for (const line of mirrorLines(state)) out.print(line);
}

/**
 * add: `up -d` creates the new service (in proxy mode it also recreates nginx, which
 * publishes the new port). rm: `up -d --remove-orphans` removes the gone service's
 * container; every service whose definition did not change keeps running.
 */
export const stackCommand = (dir: string, kind: 'add' | 'rm'): string =>
  `cd ${shellCommand([dir])} && ${shellCommand(['docker', 'compose', 'up', '-d', ...(kind === 'rm' ? ['--remove-orphans'] : [])])}`;

export function printMirrorChange(out: Output, r: { dir: string; kind: 'add' | 'rm'; plan: MirrorPlan; dryRun: boolean; previous?: string | null }): void {
  const m = describeMirror(r.plan.state.mirrors?.length ? r.plan.state : { hosts: r.plan.state.hosts }, r.plan.mirror);
  const files = describePlan(r.plan.files);
  if (out.isJson) {
    return out.json({ dir: r.dir, [r.kind === 'add' ? 'added' : 'removed']: m, dryRun: r.dryRun, files, removed_files: r.plan.remove, ...(!r.dryRun && { run: stackCommand(r.dir, r.kind) }) });
  }
  const verb = r.kind === 'add' ? 'Would add' : 'Would remove';
  if (r.dryRun) {
    out.print(`${verb} the ${m.upstream} mirror (${m.address}, service ${m.service}) in ${r.dir}; nothing written. Files:`);
    for (const f of files) out.print(`  ${f.mode}  ${f.path}`);
    for (const p of r.plan.remove) out.print(`  gone  ${p}`);
    return;
  }
  if (r.kind === 'add') {
    out.print(`${out.green('✔')} Added a pull-through cache of ${m.upstream} (from ${m.url}) at ${out.bold(m.address)}, service ${m.service}.`);
    out.print(`  Start it:   ${stackCommand(r.dir, 'add')}`);
    out.print(`  Then nodes: npx registry-setup trust-node --dir ${shellCommand([r.dir])} root@NODE…`);
  } else {
    out.print(`${out.green('✔')} Removed the ${m.upstream} mirror (${m.address}); its cache is kept in ${mirrorDataPath(r.plan.mirror)}/.`);
    out.print(`  Stop it (the other services keep running):   ${stackCommand(r.dir, 'rm')}`);
  }
}
