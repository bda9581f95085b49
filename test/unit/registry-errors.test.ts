import { describe, expect, it } from 'vitest';
import { parseChallenge, scopeKey, tokenUrl } from '../../src/registry/auth.js';
import { nextPageUrl } from '../../src/registry/client.js';
import { lookupDockerConfig, normalizeRegistryKey, parseHelperAnswer } from '../../src/registry/docker-config.js';
import { describeConnectionError, describeHttpError } from '../../src/registry/errors.js';

const ctx = (method: string, path: string, user: { name: string; source: string } | null = { name: 'alice', source: '--password-stdin' }) =>
  ({ address: '10.0.0.5:5000', method, path, user, trust: '/srv/registry/ca/ca.crt' });
const body = (code: string, message = '') => JSON.stringify({ errors: [{ code, message, detail: null }] });

describe('describeHttpError: one line a person can act on', () => {
  it.each([
    ['UNAUTHORIZED names the user and where the password came from', ctx('GET', '/v2/'), 401, body('UNAUTHORIZED', 'authentication required'), {},
      '10.0.0.5:5000 refused user alice (from --password-stdin): wrong password or unknown user (UNAUTHORIZED: authentication required)'],
    ['401 without credentials says how to give them', ctx('GET', '/v2/', null), 401, body('UNAUTHORIZED'), {},
      '10.0.0.5:5000 wants credentials for GET /v2/ (UNAUTHORIZED); pass --user NAME --password-stdin, or docker login 10.0.0.5:5000'],
    ['UNSUPPORTED on DELETE: deletes are disabled in config.yml', ctx('DELETE', '/v2/app/manifests/v1'), 405, body('UNSUPPORTED', 'The operation is unsupported.'), {},
      '10.0.0.5:5000 has deletes disabled: set storage.delete.enabled: true in its config.yml and restart it (UNSUPPORTED)'],
    ['a bare 405 with Allow: GET, HEAD is read-only mode (gc)', ctx('DELETE', '/v2/app/manifests/v1'), 405, 'Method not allowed\n', { allow: 'GET, HEAD' },
      '10.0.0.5:5000 is read-only (storage.maintenance.readonly is on, as during garbage collection): DELETE is refused until it is writable again'],
    ['DENIED names user and repository', ctx('DELETE', '/v2/team/app/manifests/v1'), 403, body('DENIED', 'requested access to the resource is denied'), {},
      '10.0.0.5:5000 denies user alice DELETE on team/app (DENIED: requested access to the resource is denied)'],
    ['NAME_UNKNOWN', ctx('GET', '/v2/team/app/tags/list'), 404, body('NAME_UNKNOWN', 'repository name not known to registry'), {}, '10.0.0.5:5000 has no repository team/app'],
    ['MANIFEST_UNKNOWN by tag', ctx('GET', '/v2/team/app/manifests/v9'), 404, body('MANIFEST_UNKNOWN'), {}, '10.0.0.5:5000 has no team/app:v9'],
    ['PAGINATION_NUMBER_INVALID', ctx('GET', '/v2/_catalog'), 400, body('PAGINATION_NUMBER_INVALID', 'invalid number of results requested'), {},
      '10.0.0.5:5000 refused the page size (invalid number of results requested): pass a smaller --page-size'],
    ['plain HTTP to a TLS port', ctx('GET', '/v2/'), 400, 'Client sent an HTTP request to an HTTPS server.\n', {}, '10.0.0.5:5000 speaks HTTPS: drop --insecure, and trust its CA with --ca FILE'],
    ['not a registry at all', ctx('GET', '/v2/'), 404, '<html>nginx</html>', {}, '10.0.0.5:5000 is not a registry: GET /v2/ answered 404'],
    ['anything else keeps the registry\'s own words', ctx('GET', '/v2/app/blobs/sha256:aa'), 500, body('UNKNOWN', 'unknown error'), {},
      '10.0.0.5:5000 answered 500 to GET /v2/app/blobs/sha256:aa (UNKNOWN: unknown error)'],
  ])('%s', (_, c, status, text, headers, line) => {
    expect(describeHttpError(c, status, text, headers).message).toBe(line);
  });

  it('keeps the code for callers that branch on it (2.8 answers a DELETE by tag with DIGEST_INVALID)', () => {
    const e = describeHttpError(ctx('DELETE', '/v2/app/manifests/a'), 400, body('DIGEST_INVALID', 'provided digest did not match uploaded content'), {});
    expect([e.status, e.code, e.exitCode]).toEqual([400, 'DIGEST_INVALID', 1]);
  });
});

describe('describeConnectionError: nothing answered, or TLS failed', () => {
  const err = (code: string) => Object.assign(new Error(`x ${code}`), { code });
  it.each([
    ['ECONNREFUSED', 'nothing answered at 10.0.0.5:5000 (connection refused): is the registry running, on this port?'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'TLS with 10.0.0.5:5000 failed (x509: its certificate is not signed by a CA we trust; trusted: /srv/registry/ca/ca.crt) [UNABLE_TO_VERIFY_LEAF_SIGNATURE]'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'TLS with 10.0.0.5:5000 failed (x509: its certificate does not name this address; trusted: /srv/registry/ca/ca.crt) [ERR_TLS_CERT_ALTNAME_INVALID]'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'TLS with 10.0.0.5:5000 failed: it does not speak TLS on this port (an insecure, plain-HTTP registry? then pass --insecure) [ERR_SSL_WRONG_VERSION_NUMBER]'],
    ['UND_ERR_HEADERS_TIMEOUT', '10.0.0.5:5000 did not answer GET /v2/ within 30 s'],
  ])('%s', (code, line) => {
    expect(describeConnectionError(ctx('GET', '/v2/'), err(code), 30_000).message).toBe(line);
  });

  it('an AbortSignal timeout is a timeout, whatever its numeric code', () => {
    const e = Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError', code: 23 });
    expect(describeConnectionError(ctx('GET', '/v2/'), e, 5000).message).toBe('10.0.0.5:5000 did not answer GET /v2/ within 5 s');
  });
});

describe('challenges, pages and the Docker config', () => {
  it('parses a Bearer challenge whose scope holds a comma', () => {
    const ch = parseChallenge('Bearer realm="https://auth.lan:5001/auth",service="Docker registry",scope="repository:team/app:pull,delete"');
    expect(ch).toEqual({ scheme: 'bearer', realm: 'https://auth.lan:5001/auth', service: 'Docker registry', scope: 'repository:team/app:pull,delete' });
    expect(tokenUrl(ch as Extract<typeof ch, { scheme: 'bearer' }>).href).toBe('https://auth.lan:5001/auth?service=Docker+registry&scope=repository%3Ateam%2Fapp%3Apull%2Cdelete');
    expect(parseChallenge('Basic realm="registry"')).toEqual({ scheme: 'basic' });
  });

  it('keys tokens by what a request touches', () => {
    expect(scopeKey('GET', '/v2/team/app/manifests/v1')).toBe('repository:team/app:pull');
    expect(scopeKey('DELETE', '/v2/team/app/manifests/v1')).toBe('repository:team/app:delete');
    expect(scopeKey('GET', '/v2/_catalog')).toBe('registry:catalog:*');
  });

  it('follows rel="next" relative to the page', () => {
    const base = new URL('https://10.0.0.5:5000/v2/_catalog?n=2');
    expect(nextPageUrl('</v2/_catalog?last=b&n=2>; rel="next"', base)?.href).toBe('https://10.0.0.5:5000/v2/_catalog?last=b&n=2');
    expect(nextPageUrl(undefined, base)).toBeNull();
    expect(nextPageUrl('</x>; rel="prev"', base)).toBeNull();
  });

  it('finds the entry however docker spelt the key', () => {
    expect(normalizeRegistryKey('https://Registry.lan:443/v1/')).toBe('registry.lan');
    const auth = Buffer.from('alice:pa:ss').toString('base64');
    expect(lookupDockerConfig({ auths: { 'https://10.0.0.5:5000/v1/': { auth } } }, '10.0.0.5:5000').inline).toEqual({ username: 'alice', password: 'pa:ss', key: 'https://10.0.0.5:5000/v1/' });
    expect(lookupDockerConfig({ auths: { '10.0.0.6:5000': { auth } } }, '10.0.0.5:5000').inline).toBeNull();
  });

  it('credHelpers for this registry win over credsStore', () => {
    expect(lookupDockerConfig({ credsStore: 'desktop', credHelpers: { '10.0.0.5:5000': 'pass' } }, '10.0.0.5:5000').helper).toBe('pass');
    expect(lookupDockerConfig({ credsStore: 'desktop', credHelpers: { other: 'pass' } }, '10.0.0.5:5000').helper).toBe('desktop');
    expect(parseHelperAnswer('{"ServerURL":"x","Username":"<token>","Secret":"t"}')).toBeNull();
    expect(parseHelperAnswer('{"ServerURL":"x","Username":"ci","Secret":"s3"}')).toEqual({ username: 'ci', password: 's3' });
  });
});
