import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { ProbeResult } from '../bundle/assess-probe.js';
import { parseRegistryAddress } from '../pki/hosts.js';

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
