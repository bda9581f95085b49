import { BUNDLE_FILES, renderState, type BundleState } from '../../bundle/state.js';
import { planLayoutFiles } from '../../bundle/plan-files.js';
import { PRIVATE, PUBLIC, type PlannedFile } from '../../io/file-plan.js';

/**
 * The record after a renewal: --add-host and --days are written back, so the
 * next renewal (a timer's, say) makes the same certificate again.
 */
export function renewedState(state: BundleState, hosts: readonly string[], days: number): BundleState | null {
  const added = hosts.filter((h) => !state.hosts.includes(h));
  if (added.length === 0 && days === state.days) return null;
  return { ...state, hosts: [...state.hosts, ...added], days };
}

/**
 * The files renew replaces, as one set: the key and its certificate (null while
 * pending, in a dry run), the record when it changed, and, for a bundle written
 * before generations (`convert`), the container files for the new layout.
 */
export function planRenewFiles(
  material: { certPem: string | null; keyPem: string | null; token?: { certPem: string | null; newKeyPem?: string | null } },
  state: BundleState | null, convert: BundleState | null,
): PlannedFile[] {
  const files: PlannedFile[] = [
    { path: BUNDLE_FILES.key, contents: material.keyPem, mode: PRIVATE },
    { path: BUNDLE_FILES.cert, contents: material.certPem, mode: PUBLIC },
  ];
  // The token signer keeps its key (tokens in flight, and a registry not yet restarted, stay valid): only its certificate is new.
  if (material.token) files.push({ path: BUNDLE_FILES.tokenCert, contents: material.token.certPem, mode: PUBLIC });
  if (material.token?.newKeyPem !== undefined) files.push({ path: BUNDLE_FILES.tokenKey, contents: material.token.newKeyPem, mode: PRIVATE });
  if (state) files.push({ path: BUNDLE_FILES.state, contents: renderState(state), mode: PUBLIC });
  if (convert) files.push(...planLayoutFiles(state ?? convert));
  return files;
}
