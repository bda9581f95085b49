import { UsageError } from '../../errors.js';
import { planLayoutFiles } from '../../bundle/plan-files.js';
import { BUNDLE_FILES, renderState, type BundleState } from '../../bundle/state.js';
import { PUBLIC, type WrittenFile } from '../../io/file-plan.js';
import { planMirrorEnv } from '../../mirrors/render.js';
import { mirrorConfigPath, mirrorEnvPath, planNewMirrors, type MirrorCredentials } from '../../mirrors/services.js';
import type { MirrorRecord } from '../../mirrors/upstreams.js';

export interface MirrorPlan {
  state: BundleState;
  mirror: MirrorRecord;
  /** Written in one commit: the record, the compose file, nginx's (proxy mode), the mirror's own config and env. */
  files: WrittenFile[];
  /** Paths the new generation leaves out (mirror rm). */
  remove: string[];
}

/** The generated files a mirror change touches; the others (config.yml, htpasswd, …) are carried over as they are. */
function touchedLayout(next: BundleState, own: string | null): WrittenFile[] {
  const paths = new Set<string>([BUNDLE_FILES.compose, BUNDLE_FILES.nginx, ...(own ? [own] : [])]);
  const files = planLayoutFiles(next).filter((f) => paths.has(f.path)) as WrittenFile[];
  return [...files, { path: BUNDLE_FILES.state, contents: renderState(next), mode: PUBLIC }];
}

/** Pure: one mirror more, on `port` or the next free one from 5010. */
export function planMirrorAdd(state: BundleState, value: string, port: number | undefined, credentials: MirrorCredentials | null): MirrorPlan {
  const [mirror] = planNewMirrors(state, [value], { ...(port !== undefined && { firstPort: port, explicitPort: true }), label: 'mirror add', portLabel: '--port' });
  const next: BundleState = { ...state, mirrors: [...(state.mirrors ?? []), mirror!] };
  return { state: next, mirror: mirror!, files: [planMirrorEnv(mirror!, credentials) as WrittenFile, ...touchedLayout(next, mirrorConfigPath(mirror!))], remove: [] };
}

/** Pure: the mirror gone from the record, the compose file and nginx; its config and env file left out of the new generation. */
export function planMirrorRm(state: BundleState, upstream: string): MirrorPlan {
  const mirror = state.mirrors?.find((m) => m.upstream === upstream);
  if (!mirror) {
    const have = (state.mirrors ?? []).map((m) => m.upstream);
    throw new UsageError(`mirror rm ${upstream}: the bundle has no such mirror (${have.length > 0 ? `it has ${have.join(', ')}` : 'it has none'})`);
  }
  const rest = state.mirrors!.filter((m) => m !== mirror);
  // With none left the record has no mirrors key; mirrorAuth stays, for the next mirror added.
  const { mirrors: _gone, ...others } = state;
  const next: BundleState = rest.length > 0 ? { ...state, mirrors: rest } : others;
  return { state: next, mirror, files: touchedLayout(next, null), remove: [mirrorConfigPath(mirror), mirrorEnvPath(mirror)] };
}
