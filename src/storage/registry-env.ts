/**
 * env/registry.env: the only file that holds the store's keys and the registries' shared
 * http.secret. compose reads it on the host (env_file) and gives every registry instance
 * these variables, which the registry takes over config.yml; nothing mounts it, and it
 * is 0600 from creation. compose takes each value literally to the end of the line, so
 * keys are one printable line (s3-options.ts: parseS3Key).
 */
export const ENV_NAMES = {
  accessKey: 'REGISTRY_STORAGE_S3_ACCESSKEY',
  secretKey: 'REGISTRY_STORAGE_S3_SECRETKEY',
  httpSecret: 'REGISTRY_HTTP_SECRET',
} as const;

export interface RegistryEnv {
  accessKey: string;
  secretKey: string;
  /** Shared by every instance, so an upload started on one can finish on another. */
  httpSecret: string;
}

export function renderRegistryEnv(env: RegistryEnv): string {
  return [
    '# Written by registry-setup: secrets for the registry service(s), read by docker compose (env_file).',
    ...Object.entries(ENV_NAMES).map(([k, name]) => `${name}=${env[k as keyof RegistryEnv]}`),
    '',
  ].join('\n');
}

/** The values back (status probes the bucket with them); null when a variable is missing. */
export function parseRegistryEnv(text: string): RegistryEnv | null {
  const vars = new Map(text.split('\n').filter((l) => /^[A-Z0-9_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const get = (k: keyof RegistryEnv) => vars.get(ENV_NAMES[k]);
  const [accessKey, secretKey, httpSecret] = [get('accessKey'), get('secretKey'), get('httpSecret')];
  return accessKey && secretKey && httpSecret ? { accessKey, secretKey, httpSecret } : null;
}
