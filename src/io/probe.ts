import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { UsageError } from '../errors.js';
import type { ProbeResult } from '../bundle/assess-probe.js';
import { parsePort } from '../options/parse.js';
import { parseHost } from '../pki/hosts.js';

/** "10.0.0.5:5000", "[fd00::5]:443", "registry.lan" (443 implied, as in image references). */
export function parseRegistryAddress(raw: string, flag = '--registry'): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw) ?? /^([^:]+)(?::([^:]*))?$/.exec(raw);
  if (!m) throw new UsageError(`${flag} ${JSON.stringify(raw)} is not HOST:PORT`);
  const host = parseHost(m[1]!, flag).value;
  return { host, port: m[2] === undefined ? 443 : parsePort(m[2], flag) };
}

/**
 * One GET /v2/ without credentials. The chain is checked against the bundle's
 * CA but not enforced, so a failing or stale certificate is still seen and
 * reported instead of ending the probe.
 */
export function probeRegistry(address: string, caPem: string, tls: boolean, timeoutMs = 5000): Promise<ProbeResult> {
  const { host, port } = parseRegistryAddress(address);
  const result: ProbeResult = { address, scheme: tls ? 'https' : 'http' };
  return new Promise((resolve) => {
    const options: https.RequestOptions = {
      host, port, path: '/v2/', method: 'GET', agent: false, timeout: timeoutMs,
      headers: { 'User-Agent': 'registry-setup status --probe', Connection: 'close' },
      // https sets SNI from a DNS host itself (never from an IP) and checks the name against the SANs.
      ...(tls && { ca: caPem, rejectUnauthorized: false }),
    };
    const req = (tls ? https : http).request(options, (res) => {
      result.status = res.statusCode;
      res.resume();
      res.on('end', () => resolve(result));
      res.on('error', () => resolve(result));
    });
    req.on('socket', (socket) => {
      if (!tls) return;
      (socket as TLSSocket).once('secureConnect', () => {
        const s = socket as TLSSocket;
        const peer = s.getPeerCertificate();
        result.tlsAuthorized = s.authorized;
        if (!s.authorized && s.authorizationError) result.tlsError = String(s.authorizationError);
        if (peer && peer.fingerprint256) {
          result.servedFingerprint256 = peer.fingerprint256;
          result.servedSerial = peer.serialNumber;
          result.servedNotAfter = new Date(peer.valid_to).toISOString();
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      result.error = err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message;
      resolve(result);
    });
    req.end();
  });
}
