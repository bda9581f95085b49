import { NGINX_IMAGE, planLayoutFiles } from '../../bundle/plan-files.js';
import { upgradedImage } from '../../bundle/registry-image.js';
import { BUNDLE_FILES, renderState, type BundleState } from '../../bundle/state.js';
import { PUBLIC } from '../../io/file-plan.js';
import { editedByHand } from '../../io/generations.js';
import { summarizeDiff, type DiffSummary } from '../../render/line-diff.js';

/**
 * - unchanged: already what this release writes;
 * - create: missing;
 * - update: as registry-setup wrote it, or from before hashes were recorded: replaced;
 * - edited: changed by hand since registry-setup wrote it: replaced only with --force.
 */
export type UpgradeStatus = 'unchanged' | 'create' | 'update' | 'edited';

export interface UpgradeFile {
  path: string;
  contents: string;
  mode: number;
  status: UpgradeStatus;
  /** Whether a hash of what registry-setup wrote was there to compare with. */
  recorded: boolean;
  /** From the file on disk to the new one. */
  diff: DiffSummary;
}

export interface UpgradePlan {
  state: BundleState;
  image: { from: string; to: string };
  files: UpgradeFile[];
  /** Every image the new compose file names, which --reload needs present. */
  images: string[];
}

export interface UpgradeInput {
  state: BundleState;
  /** Each planned path's text on disk, null when absent. */
  current: (path: string) => string | null;
  /** path → sha256 as registry-setup wrote it in the live generation. */
  recorded: Record<string, string>;
  pinned: string;
}

/**
 * This release's layout for the bundle's record, with the registry image moved to
 * the pinned release: pure, so every case is a table. The record itself is data
 * registry-setup parses and re-renders with every value kept, so only the generated
 * files are guarded against hand edits.
 */
export function planUpgrade({ state, current, recorded, pinned }: UpgradeInput): UpgradePlan {
  const next: BundleState = { ...state, image: upgradedImage(state.image, pinned) };
  const wanted = planLayoutFiles(next).map((f) => ({ path: f.path, contents: f.contents!, mode: f.mode, guarded: true }));
  if (next.image !== state.image) wanted.push({ path: BUNDLE_FILES.state, contents: renderState(next), mode: PUBLIC, guarded: false });
  const files = wanted.map(({ guarded, ...f }): UpgradeFile => {
    const now = current(f.path);
    const hash = recorded[f.path];
    const status: UpgradeStatus = now === f.contents ? 'unchanged' : now === null ? 'create'
      : guarded && editedByHand(now, hash) ? 'edited' : 'update';
    return { ...f, status, recorded: hash !== undefined, diff: summarizeDiff(now ?? '', f.contents) };
  });
  return {
    state: next,
    image: { from: state.image, to: next.image },
    files,
    images: [next.image, ...(next.mode === 'proxy' ? [NGINX_IMAGE] : [])],
  };
}
