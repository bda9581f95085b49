import { UsageError } from '../errors.js';

/** distribution's reference grammar: lower-case path components joined by '/'. */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPO = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;

export type ImageRef = { repo: string; tag: string; digest?: undefined; text: string } | { repo: string; digest: string; tag?: undefined; text: string };

export function isRepoName(name: string): boolean {
  return name.length <= 255 && REPO.test(name);
}

/** A repository argument (images REPO…): the name as the catalog lists it. */
export function parseRepoName(text: string, label = 'repository'): string {
  if (!isRepoName(text)) throw new UsageError(`${label} ${JSON.stringify(text)} is not a repository name (lower-case letters, digits, '.', '_', '-', components joined by '/')`);
  return text;
}

/**
 * REPO:TAG or REPO@sha256:…, as `rm` takes them. A leading "HOST:PORT/" that is
 * the registry's own address is dropped, so a full image reference pasted from
 * `docker images` works; any other host is refused rather than guessed at.
 */
export function parseImageRef(raw: string, address?: string): ImageRef {
  let text = raw.trim();
  if (address && text.toLowerCase().startsWith(`${address.toLowerCase()}/`)) text = text.slice(address.length + 1);
  const shape = `${JSON.stringify(raw)} must be REPO:TAG or REPO@sha256:DIGEST`;
  const at = text.indexOf('@');
  if (at >= 0) {
    const repo = text.slice(0, at);
    const digest = text.slice(at + 1);
    if (!DIGEST.test(digest)) throw new UsageError(`${shape}: ${JSON.stringify(digest)} is not a sha256 digest`);
    return { repo: checkRepo(repo, raw, address), digest, text: `${repo}@${digest}` };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0 || text.indexOf('/', colon) >= 0) throw new UsageError(`${shape}: name the tag (a bare repository would mean every tag; say each one)`);
  const repo = text.slice(0, colon);
  const tag = text.slice(colon + 1);
  if (!TAG.test(tag)) throw new UsageError(`${shape}: ${JSON.stringify(tag)} is not a valid tag`);
  return { repo: checkRepo(repo, raw, address), tag, text: `${repo}:${tag}` };
}

function checkRepo(repo: string, raw: string, address: string | undefined): string {
  if (isRepoName(repo)) return repo;
  const host = repo.split('/')[0] ?? '';
  if (/[.:]/.test(host) && repo.includes('/')) {
    throw new UsageError(`${JSON.stringify(raw)} names the registry ${host}, but this command works on ${address ?? 'the bundle\'s registry'}; give the reference without the host, or pass --registry ${host}`);
  }
  throw new UsageError(`${JSON.stringify(raw)}: ${JSON.stringify(repo)} is not a repository name (lower-case letters, digits, '.', '_', '-', components joined by '/')`);
}

/**
 * A repository glob: `*` and `?` stay within one path component, `**` crosses
 * them ("team/*" matches team/app, not team/app/api; "**" matches everything).
 */
export function repoGlob(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
