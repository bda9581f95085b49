import { BUNDLE_FILES, type BundleState } from './state.js';
import { renderState } from './state.js';
import type { PlannedFile } from '../io/file-plan.js';
import { renderRegistryConfig, PROXY_UPSTREAM_PORT } from '../render/registry-config.js';
import { renderTemplate } from '../render/templates.js';
import { dialableHosts } from '../pki/hosts.js';

export const REGISTRY_IMAGE = 'registry:3.0.0';
export const NGINX_IMAGE = 'nginx:1.27-alpine';

export interface BundleMaterial {
  caCertPem: string;
  caKeyPem: string | null; // null when an outside CA signed: its key stays where it is
  certPem: string;
  keyPem: string;
  htpasswd: string;
}

/** The directories compose mounts that init leaves empty. */
export const EMPTY_DIRS = ['data'];

export const PRIVATE = 0o600;
export const PUBLIC = 0o644;

/**
 * Every file init writes, as data. htpasswd is 0644 because nginx's workers
 * run unprivileged inside their container; the bundle directory itself is
 * 0700, which keeps it from other users on the host.
 */
export function planBundleFiles(state: BundleState, material: BundleMaterial): PlannedFile[] {
  const files: PlannedFile[] = [{ path: BUNDLE_FILES.caCert, contents: material.caCertPem, mode: PUBLIC }];
  if (material.caKeyPem) files.push({ path: BUNDLE_FILES.caKey, contents: material.caKeyPem, mode: PRIVATE });
  files.push(
    { path: BUNDLE_FILES.cert, contents: material.certPem, mode: PUBLIC },
    { path: BUNDLE_FILES.key, contents: material.keyPem, mode: PRIVATE },
  );
  if (state.mode !== 'insecure') files.push({ path: BUNDLE_FILES.htpasswd, contents: material.htpasswd, mode: PUBLIC });
  files.push(
    { path: BUNDLE_FILES.config, contents: renderRegistryConfig(state.mode, state.port), mode: PUBLIC },
    { path: BUNDLE_FILES.compose, contents: renderCompose(state), mode: PUBLIC },
  );
  if (state.mode === 'proxy') files.push({ path: BUNDLE_FILES.nginx, contents: renderNginx(state), mode: PUBLIC });
  files.push({ path: BUNDLE_FILES.state, contents: renderState(state), mode: PUBLIC });
  return files;
}

export function renderCompose(state: BundleState): string {
  return renderTemplate('docker-compose.yml.hbs', {
    mode: state.mode,
    registryImage: state.image,
    nginxImage: NGINX_IMAGE,
    registryPort: state.mode === 'proxy' ? null : state.port,
    registryOwnsTls: state.mode === 'tls',
    proxy: state.mode === 'proxy',
    port: state.port,
  });
}

export function renderNginx(state: BundleState): string {
  const names = dialableHosts(state.hosts);
  return renderTemplate('registry.conf.hbs', {
    port: state.port,
    upstreamPort: PROXY_UPSTREAM_PORT,
    serverNames: names.length > 0 ? names.join(' ') : '_',
  });
}
