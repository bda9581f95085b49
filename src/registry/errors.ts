import { FailError } from '../errors.js';

/**
 * One line a person can act on, for every way a registry request can fail. Pure:
 * the client hands in what it saw (status, body, headers, or the socket error)
 * and what it was doing; nothing here ever sees a password or a header we sent.
 */

/** A failed request: `code` is the registry's first error code (or the socket's), kept for callers that branch on it. */
export class RegistryError extends FailError {
  constructor(message: string, readonly status: number | null, readonly code: string | null) {
    super(message);
  }
}

export interface RequestContext {
  address: string;
  method: string;
  /** The request path, without the query. */
  path: string;
  /** Who we authenticated as, and where that came from, for 401 and 403 lines. */
  user?: { name: string; source: string } | null;
  /** Where the CA came from, for x509 lines. */
  trust?: string;
}

interface RegistryErrorBody {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
}

/** The registry's {"errors":[{code,message,detail}]}, or null when the body is anything else (a proxy's HTML, "Method not allowed"). */
export function parseErrorBody(text: string): { code: string; message: string; detail: string }[] | null {
  try {
    const data = JSON.parse(text) as { errors?: RegistryErrorBody[] };
    if (!Array.isArray(data?.errors)) return null;
    return data.errors.map((e) => ({
      code: typeof e.code === 'string' ? e.code : 'UNKNOWN',
      message: typeof e.message === 'string' ? e.message : '',
      detail: e.detail === undefined || e.detail === null ? '' : typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail),
    }));
  } catch {
    return null;
  }
}

/** "/v2/team/app/manifests/v1" → "team/app"; null for /v2/ and /v2/_catalog. */
export function repoOfPath(path: string): string | null {
  const m = /^\/v2\/(.+)\/(?:manifests|blobs|tags)\//.exec(path);
  return m ? m[1]! : null;
}

function refOfPath(path: string): string {
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}

export function describeHttpError(ctx: RequestContext, status: number, bodyText: string, headers: Record<string, string | string[] | undefined>): RegistryError {
  const errors = parseErrorBody(bodyText);
  const first = errors?.[0];
  const code = first?.code ?? null;
  const repo = repoOfPath(ctx.path);
  const at = ctx.address;
  const said = first ? ` (${first.code}${first.message ? `: ${first.message}` : ''})` : '';
  const line = (text: string) => new RegistryError(text, status, code);

  if (status === 401) {
    if (!ctx.user) return line(`${at} wants credentials for ${ctx.method} ${ctx.path}${said}; pass --user NAME --password-stdin, or docker login ${at}`);
    return line(`${at} refused user ${ctx.user.name} (from ${ctx.user.source}): wrong password or unknown user${said}`);
  }
  if (ctx.path === '/v2/' && status === 404) return line(`${at} is not a registry: GET /v2/ answered 404`);
  if (status === 403 || code === 'DENIED') {
    const who = ctx.user ? `user ${ctx.user.name}` : 'an anonymous client';
    return line(`${at} denies ${who} ${ctx.method} on ${repo ?? ctx.path}${said}`);
  }
  if (status === 405 && code === 'UNSUPPORTED' && ctx.method === 'DELETE') {
    return line(`${at} has deletes disabled: set storage.delete.enabled: true in its config.yml and restart it (UNSUPPORTED)`);
  }
  if (status === 405 && !errors) {
    // The read-only mode answers writes with a bare "Method not allowed" and Allow: GET, HEAD.
    const allow = String(headers.allow ?? '');
    if (/GET/.test(allow) && !/DELETE|PUT|POST/.test(allow)) {
      return line(`${at} is read-only (storage.maintenance.readonly is on, as during garbage collection): ${ctx.method} is refused until it is writable again`);
    }
  }
  if (code === 'NAME_UNKNOWN' || (status === 404 && repo && ctx.path.includes('/tags/'))) return line(`${at} has no repository ${repo ?? ctx.path}`);
  if (code === 'MANIFEST_UNKNOWN' || (status === 404 && ctx.path.includes('/manifests/'))) {
    const ref = refOfPath(ctx.path);
    return line(`${at} has no ${ref.startsWith('sha256:') ? `${repo}@${ref}` : `${repo}:${ref}`}`);
  }
  if (code === 'BLOB_UNKNOWN') return line(`${at} has no blob ${refOfPath(ctx.path)} in ${repo}: the image is incomplete`);
  if (status === 400 && /HTTP request to an HTTPS server/i.test(bodyText)) return line(`${at} speaks HTTPS: drop --insecure, and trust its CA with --ca FILE`);
  if (code === 'PAGINATION_NUMBER_INVALID') return line(`${at} refused the page size (${first?.message}): pass a smaller --page-size`);
  if (status === 429 || code === 'TOOMANYREQUESTS') return line(`${at} is rate-limiting us (429): lower --concurrency and try again`);
  const text = bodyText.trim().split('\n')[0]?.slice(0, 200) ?? '';
  return line(`${at} answered ${status} to ${ctx.method} ${ctx.path}${first ? said : text ? ` (${text})` : ''}`);
}

/** Node's TLS verification codes, in the words a person uses. */
const TLS_REASONS: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate is not signed by a CA we trust',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its certificate is not signed by a CA we trust',
  UNABLE_TO_GET_ISSUER_CERT: 'its certificate is not signed by a CA we trust',
  SELF_SIGNED_CERT_IN_CHAIN: 'its chain ends in a CA we do not trust',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it serves a self-signed certificate we do not trust',
  CERT_HAS_EXPIRED: 'its certificate has expired',
  CERT_NOT_YET_VALID: 'its certificate is not valid yet (check the clocks)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate does not name this address',
};

/** The socket-level failures: nothing answered, or TLS failed, or no answer in time. */
export function describeConnectionError(ctx: RequestContext, err: unknown, timeoutMs: number): RegistryError {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  // AbortSignal.timeout rejects with a DOMException, whose numeric `code` means nothing here.
  const timedOut = e?.name === 'TimeoutError' || e?.name === 'AbortError';
  const code = timedOut ? 'TIMEOUT' : (typeof e?.code === 'string' ? e.code : null) ?? e?.cause?.code ?? null;
  const at = ctx.address;
  const line = (text: string) => new RegistryError(text, null, code);
  if (code && TLS_REASONS[code]) {
    return line(`TLS with ${at} failed (x509: ${TLS_REASONS[code]}; trusted: ${ctx.trust ?? 'the system roots'}) [${code}]`);
  }
  if (code === 'ECONNREFUSED') return line(`nothing answered at ${at} (connection refused): is the registry running, on this port?`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return line(`cannot resolve the host of ${at} (${code})`);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return line(`cannot reach ${at} (${code})`);
  if (code === 'TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ABORT_ERR') {
    return line(`${at} did not answer ${ctx.method} ${ctx.path} within ${timeoutMs / 1000} s`);
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return line(`${at} closed the connection during ${ctx.method} ${ctx.path} (${code})`);
  if (code && /^ERR_SSL_|^EPROTO$/.test(code)) {
    return line(`TLS with ${at} failed: it does not speak TLS on this port (an insecure, plain-HTTP registry? then pass --insecure) [${code}]`);
  }
  return line(`cannot reach ${at}: ${e?.message ?? String(err)}${code ? ` [${code}]` : ''}`);
}
