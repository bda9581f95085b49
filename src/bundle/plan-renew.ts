import type { PlannedFile } from '../io/file-plan.js';
import { PRIVATE, PUBLIC } from './plan-init.js';
import { BUNDLE_FILES, renderState, type BundleState } from './state.js';

/**
 * The record after a renewal: --add-host and --days are written back, so the
 * next renewal (a timer's, say) makes the same certificate again.
 */
export function renewedState(state: BundleState, hosts: readonly string[], days: number): BundleState | null {
  const added = hosts.filter((h) => !state.hosts.includes(h));
  if (added.length === 0 && days === state.days) return null;
  return { ...state, hosts: [...state.hosts, ...added], days };
}

/** The files renew replaces, as data: --dry-run prints them, the writer applies them. */
export function planRenewFiles(certPem: string, keyPem: string, state: BundleState | null): PlannedFile[] {
  const files: PlannedFile[] = [
    { path: BUNDLE_FILES.key, contents: keyPem, mode: PRIVATE },
    { path: BUNDLE_FILES.cert, contents: certPem, mode: PUBLIC },
  ];
  if (state) files.push({ path: BUNDLE_FILES.state, contents: renderState(state), mode: PUBLIC });
  return files;
}
