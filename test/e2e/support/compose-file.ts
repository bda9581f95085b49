import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { dockerAuthProgram, registryMajor, registryProgram } from './registry-binary.js';

/**
 * Reads a bundle's docker-compose.yml into what the native harness needs.
 * Only the compose features the bundle uses are understood; anything else
 * throws, so a generated file the harness cannot honour fails loudly instead
 * of being tested as something it is not.
 */

export interface Mount {
  /** Absolute host path (relative sources resolve against the compose file's dir). */
  source: string;
  /** Path inside the "container", i.e. inside the service's mount namespace. */
  target: string;
  readOnly: boolean;
  /** Short syntax: docker creates a missing source dir; long syntax refuses. */
  createSource: boolean;
}

export interface ServiceSpec {
  name: string;
  image: string;
  /** Published ports. The harness runs on the host network, so published must equal target. */
  ports: number[];
  mounts: Mount[];
  environment: Record<string, string>;
  /** compose `env_file`, as host paths: compose itself reads them, on the host. */
  envFiles: string[];
  dependsOn: string[];
  /** compose `command`: the arguments after the image's entrypoint. */
  command?: string[];
  /** compose `entrypoint` (list form), with compose's `$$` escape undone as compose does. */
  entrypoint?: string[];
}

export function readCompose(bundleDir: string): ServiceSpec[] {
  const file = path.join(bundleDir, 'docker-compose.yml');
  const doc = YAML.parse(readFileSync(file, 'utf8')) as { services?: Record<string, Record<string, unknown>> };
  if (!doc?.services) throw new Error(`${file}: no services`);
  return Object.entries(doc.services).map(([name, svc]) => parseService(bundleDir, name, svc));
}

function parseService(baseDir: string, name: string, svc: Record<string, unknown>): ServiceSpec {
  const where = `service ${name}`;
  for (const key of ['network_mode', 'user']) {
    if (svc[key] !== undefined) throw new Error(`${where}: "${key}" is not supported by the native harness`);
  }
  if (typeof svc.image !== 'string') throw new Error(`${where}: image must be a string`);
  if (svc.command !== undefined && !(Array.isArray(svc.command) && svc.command.every((c) => typeof c === 'string'))) {
    throw new Error(`${where}: only the list form of "command" is supported by the native harness`);
  }
  if (svc.entrypoint !== undefined && !(Array.isArray(svc.entrypoint) && svc.entrypoint.every((c) => typeof c === 'string'))) {
    throw new Error(`${where}: only the list form of "entrypoint" is supported by the native harness`);
  }
  return {
    ...(svc.command !== undefined && { command: svc.command as string[] }),
    ...(svc.entrypoint !== undefined && { entrypoint: (svc.entrypoint as string[]).map((a) => a.replaceAll('$$', '$')) }),
    name,
    image: svc.image,
    ports: asList(svc.ports).map((p) => parsePort(where, p)),
    mounts: asList(svc.volumes).map((v) => parseVolume(baseDir, where, v)),
    // compose: `environment` wins over env_file.
    environment: { ...parseEnvFiles(baseDir, svc.env_file), ...parseEnv(svc.environment) },
    envFiles: envFileList(svc.env_file).map((f) => path.resolve(baseDir, f)),
    dependsOn: Array.isArray(svc.depends_on)
      ? svc.depends_on.map(String)
      : Object.keys((svc.depends_on as object | undefined) ?? {}),
  };
}

const asList = (v: unknown): unknown[] => (v === undefined || v === null ? [] : (v as unknown[]));

/** "5443:5443", "127.0.0.1:5443:5443/tcp", 5443, or {target, published}. */
function parsePort(where: string, p: unknown): number {
  let published: number;
  let target: number;
  if (typeof p === 'object' && p !== null) {
    const o = p as { target?: unknown; published?: unknown };
    target = Number(o.target);
    published = Number(o.published ?? o.target);
  } else {
    const parts = String(p).replace(/\/tcp$/, '').split(':');
    target = Number(parts.at(-1));
    published = Number(parts.length > 1 ? parts.at(-2) : target);
  }
  if (!Number.isInteger(published) || !Number.isInteger(target)) {
    throw new Error(`${where}: cannot parse port ${JSON.stringify(p)}`);
  }
  if (published !== target) {
    // Without a network namespace per service, there is nothing to map from.
    throw new Error(`${where}: port ${published}:${target} maps to a different port; the harness needs them equal`);
  }
  return published;
}

/** "./certs:/certs:ro" or {type: bind, source, target, read_only}. Named volumes are refused. */
function parseVolume(baseDir: string, where: string, v: unknown): Mount {
  let source: string;
  let target: string;
  let readOnly = false;
  let createSource = true;
  if (typeof v === 'object' && v !== null) {
    const o = v as { type?: string; source?: string; target?: string; read_only?: boolean };
    if (o.type !== 'bind' || !o.source || !o.target) throw new Error(`${where}: only bind volumes are supported`);
    ({ source, target } = o as { source: string; target: string });
    readOnly = o.read_only === true;
    createSource = false;
  } else {
    const parts = String(v).split(':');
    if (parts.length < 2 || parts.length > 3) throw new Error(`${where}: cannot parse volume "${String(v)}"`);
    [source, target] = parts as [string, string];
    const modes = (parts[2] ?? '').split(',');
    readOnly = modes.includes('ro');
  }
  if (!/^[./~]/.test(source)) throw new Error(`${where}: named volume "${source}" is not supported`);
  if (!target.startsWith('/')) throw new Error(`${where}: volume target "${target}" must be absolute`);
  return { source: path.resolve(baseDir, source), target, readOnly, createSource };
}

/** env_file: KEY=VALUE lines, read on the host as compose reads them (values literal to the end of the line). */
const envFileList = (files: unknown): string[] => (files === undefined ? [] : Array.isArray(files) ? files.map(String) : [String(files)]);

function parseEnvFiles(baseDir: string, files: unknown): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const f of envFileList(files)) {
    for (const line of readFileSync(path.resolve(baseDir, f), 'utf8').split('\n')) {
      if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
      const eq = line.indexOf('=');
      if (eq < 1) throw new Error(`${f}: line "${line}" is not KEY=VALUE`);
      vars[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return vars;
}

function parseEnv(env: unknown): Record<string, string> {
  if (Array.isArray(env)) {
    // "KEY" alone means "take it from the caller's environment", as in compose.
    return Object.fromEntries(
      env.map((e) => {
        const [k = '', v] = String(e).split(/=(.*)/s);
        return [k, v ?? process.env[k] ?? ''];
      }),
    );
  }
  return Object.fromEntries(Object.entries((env as object | undefined) ?? {}).map(([k, val]) => [k, String(val)]));
}

/** Which native program stands in for the image. Keyed by image name so service names stay free. */
export function kindOf(spec: ServiceSpec): 'registry' | 'nginx' | 'docker_auth' | 'redis' {
  const image = spec.image.split('/').pop()!.split(':')[0];
  if (image === 'registry' || image === 'nginx' || image === 'docker_auth' || image === 'redis') return image;
  throw new Error(`service ${spec.name}: no native program for image ${spec.image}`);
}

/**
 * Where the official registry image reads its config when no command names one: the path
 * in its CMD. Version 3 moved it from /etc/docker/registry/config.yml to
 * /etc/distribution/config.yml, and a config at the other path is silently ignored: the
 * image then runs its built-in example config (plain HTTP, no auth).
 */
export function registryConfigPath(image: string): string {
  const tag = image.split('/').pop()!.split(':')[1] ?? 'latest';
  const major = tag === 'latest' ? 3 : Number(tag.split('.')[0]);
  if (major === 2) return '/etc/docker/registry/config.yml';
  if (major >= 3) return '/etc/distribution/config.yml';
  throw new Error(`registry image ${image}: unknown tag, so where it reads its config is unknown`);
}

/**
 * The config the registry container reads: `serve PATH` from the service's command
 * (both images' entrypoints take it), or else the image's own CMD path.
 */
export function registryConfigTarget(spec: ServiceSpec): string {
  if (!spec.command) return registryConfigPath(spec.image);
  const [verb, path, ...rest] = spec.command;
  if (verb !== 'serve' || !path || rest.length > 0) throw new Error(`service ${spec.name}: command ${JSON.stringify(spec.command)} is not "serve CONFIG"`);
  return path;
}

/** The host path behind a container path, through the service's bind mounts (the deepest one wins). */
export function hostPathOf(spec: ServiceSpec, containerPath: string): string {
  const mount = [...spec.mounts]
    .sort((a, b) => b.target.length - a.target.length)
    .find((m) => containerPath === m.target || containerPath.startsWith(`${m.target}/`));
  if (!mount) throw new Error(`service ${spec.name}: nothing is mounted at ${containerPath}; the container would not find it`);
  return path.join(mount.source, containerPath.slice(mount.target.length));
}

/** The host file the registry reads its config from; an error when nothing is mounted there. */
export function registryConfigFile(spec: ServiceSpec): string {
  const target = registryConfigTarget(spec);
  try {
    return hostPathOf(spec, target);
  } catch {
    throw new Error(`service ${spec.name}: ${spec.image} reads ${target}, and nothing is mounted there; it would run its example config (plain HTTP, no auth)`);
  }
}

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The command that stands in for the service's image, reading what the image would read.
 * `registryMajor` overrides which registry runs (2: Debian's 2.8.2; 3: 3.1.1), so one
 * bundle can be tested against both.
 */
export function programFor(spec: ServiceSpec, registryMajorOverride?: 2 | 3, binDir?: string): string {
  if (kindOf(spec) === 'registry') {
    registryConfigFile(spec); // fails loudly when the image would not find its config
    const program = registryProgram(registryMajorOverride ?? registryMajor(spec.image));
    const serve = `serve ${sh(registryConfigTarget(spec))}`;
    if (!spec.entrypoint) return `exec ${sh(program)} ${serve}`;
    // The service's entry shell runs for real, with the program on PATH as `registry`, as in the image.
    if (!binDir) throw new Error(`service ${spec.name}: an entrypoint needs a directory for the registry program's link`);
    const link = `${binDir}/registry`;
    return `ln -sf "$(command -v ${sh(program)})" ${sh(link)} && PATH=${sh(binDir)}:"$PATH" exec ${spec.entrypoint.map(sh).join(' ')} ${serve}`;
  }
  // The image's entrypoint is the program; compose's command is its arguments.
  if (kindOf(spec) === 'docker_auth') return `exec ${sh(dockerAuthProgram())} ${(spec.command ?? ['/config/auth_config.yml']).map(sh).join(' ')}`;
  // Debian's redis-server; the image's entrypoint adds --protected-mode no (build-images.sh), as here.
  if (kindOf(spec) === 'redis') {
    const [program, ...args] = spec.command ?? ['redis-server'];
    if (program !== 'redis-server') throw new Error(`service ${spec.name}: command ${JSON.stringify(spec.command)} does not run redis-server`);
    return `cd ${sh(binDir ?? '/tmp')} && exec redis-server ${args.map(sh).join(' ')} --protected-mode no`;
  }
  // -e: nginx opens its compiled-in error log before it reads any config.
  const [program, ...args] = spec.command ?? ['nginx', '-g', 'daemon off;'];
  if (program !== 'nginx') throw new Error(`service ${spec.name}: command ${JSON.stringify(spec.command)} does not run nginx`);
  return `exec nginx -e stderr ${args.map(sh).join(' ')}`;
}

/** The registry also listens on a port nobody publishes in proxy mode; nginx needs it up first. */
export function registryListenPort(spec: ServiceSpec): number | undefined {
  const addr = spec.environment.REGISTRY_HTTP_ADDR ?? (YAML.parse(readFileSync(registryConfigFile(spec), 'utf8')) as { http?: { addr?: string } }).http?.addr;
  const port = Number(addr?.split(':').pop());
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/** Services ordered so every depends_on comes first (compose's start order). */
export function startOrder(services: ServiceSpec[]): ServiceSpec[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const out: ServiceSpec[] = [];
  const visit = (s: ServiceSpec, trail: string[]) => {
    if (out.includes(s)) return;
    if (trail.includes(s.name)) throw new Error(`depends_on cycle: ${[...trail, s.name].join(' -> ')}`);
    for (const dep of s.dependsOn) {
      const d = byName.get(dep);
      if (!d) throw new Error(`service ${s.name} depends on unknown service ${dep}`);
      visit(d, [...trail, s.name]);
    }
    out.push(s);
  };
  for (const s of services) visit(s, []);
  return out;
}
