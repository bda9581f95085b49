import { isoDay } from '../../pki/dates.js';
import type { CertStatus, StatusReport } from '../../bundle/assess.js';
import type { ProbeReport } from '../../bundle/assess-probe.js';
import { BUNDLE_FILES } from '../../bundle/state.js';
import type { Output } from '../../io/output.js';
import type { TokenSignerStatus } from '../../auth/token-status.js';
import type { MirrorStatus } from '../../mirrors/status.js';
import { mirrorRow } from '../mirror/report.js';
import type { InstanceStatus, StorageStatus } from '../../storage/storage-status.js';


function verdictText(out: Output, c: CertStatus): string {
  if (c.verdict === 'expired') return out.red('EXPIRED');
  if (c.verdict === 'expiring') return out.yellow(`EXPIRING (renewal was due ${isoDay(c.renewalDue)})`);
  return out.green('ok');
}

function validity(out: Output, c: CertStatus): string {
  const left = c.daysLeft < 0 ? `${-c.daysLeft} days ago` : `${c.daysLeft} days left`;
  return `${isoDay(c.notBefore)} → ${isoDay(c.notAfter)} (${left})  ${verdictText(out, c)}`;
}

const row = (label: string, value: string) => `  ${label.padEnd(10)} ${value}`;

function probeLines(out: Output, p: ProbeReport): string[] {
  const lines = [`${out.bold('Probe')}  ${p.address}`];
  if (!p.reachable) return [...lines, row('result', out.red('unreachable'))];
  if (p.tlsVerified !== null) {
    lines.push(row('TLS', p.tlsVerified ? out.green(`verified with ${BUNDLE_FILES.caCert}`) : out.red(`NOT verified: ${p.tlsError ?? 'unknown'}`)));
    lines.push(row('served', p.served === 'current'
      ? out.green(`${BUNDLE_FILES.cert} (current)`)
      : out.yellow(`a different certificate, serial ${p.servedSerial}, until ${isoDay(p.servedNotAfter ?? '')} (stale)`)));
  }
  if (p.v2Status !== undefined) {
    const note = p.tlsVerified === null ? ' (insecure mode: no authentication)' : p.authRequired ? ' without credentials' : '';
    lines.push(row('/v2/', `${p.v2Status}${note}`));
  }
  return lines;
}

function tokenLines(out: Output, t: TokenSignerStatus): string[] {
  const match = t.trustedMatchesKey === null ? out.red(`${BUNDLE_FILES.tokenKey} MISSING`)
    : t.trustedMatchesKey ? `the registry trusts the key docker_auth signs with (${BUNDLE_FILES.tokenKey})` : out.red(`DOES NOT MATCH ${BUNDLE_FILES.tokenKey}: every token is refused`);
  return [
    `${out.bold('Token signer')}  ${BUNDLE_FILES.tokenCert}`,
    ...(t.cert ? [row('key', t.cert.keyDescription), row('valid', validity(out, t.cert))] : [row('cert', out.red('MISSING'))]),
    row('trust', match),
    '',
  ];
}

function mirrorLines(out: Output, mirrors: MirrorStatus[]): string[] {
  const lines = [out.bold(`Mirrors (${mirrors.length})`)];
  for (const m of mirrors) {
    lines.push(`  ${mirrorRow(m)}`);
    if (m.mirror) lines.push(`    mirror    ${m.mirror.reachable ? (m.mirror.tlsVerified === false ? out.red('answers, TLS NOT verified') : out.green(`answers (${m.mirror.status})`)) : out.red(`not answering: ${m.mirror.error}`)}`);
    if (m.upstreamProbe) lines.push(`    upstream  ${m.upstreamProbe.reachable ? out.green(`answers (${m.upstreamProbe.status})`) : out.red(`unreachable: ${m.upstreamProbe.error}`)}`);
  }
  return [...lines, ''];
}

function storageLines(out: Output, s: StorageStatus, instances?: InstanceStatus[]): string[] {
  if (s.kind === 'filesystem') return [`Storage: filesystem (the bundle's data/)`];
  const lines = [
    `${out.bold('Storage')}  s3, bucket ${s.bucket} at ${s.endpoint ?? `AWS ${s.region}`} (region ${s.region})`,
    row('blobs', s.redirect ? 'clients fetch them from the store (307 redirects)' : 'streamed by the registry'),
    row('bucket', s.reachable ? out.green('answers the keys in env/registry.env') : out.red(`NOT reachable: ${s.error ?? 'unknown'}`)),
  ];
  for (const i of instances ?? []) lines.push(row(i.service, i.running === null ? 'unknown (docker compose did not answer)' : i.running ? out.green('running') : out.yellow('not running')));
  return lines;
}

/** The human form of the report; --json prints the same data as it is. */
export function printStatus(out: Output, r: StatusReport & { mirrors?: MirrorStatus[]; storage?: StorageStatus; instances?: InstanceStatus[] }): void {
  const { ca, cert } = r;
  const caKey = ca.keyInBundle ? `${BUNDLE_FILES.caKey} (in the bundle)` : ca.external ? 'outside the bundle (renew takes --ca-cert/--ca-key)' : out.red(`${BUNDLE_FILES.caKey} MISSING`);
  const certKey = cert.keyMatches === null ? out.red('MISSING') : cert.keyMatches ? `matches ${BUNDLE_FILES.key}` : out.red(`DOES NOT MATCH ${BUNDLE_FILES.key}`);
  const sans = cert.sansMatchHosts
    ? `match ${BUNDLE_FILES.state}`
    : [cert.missingSans.length ? out.red(`missing ${cert.missingSans.join(', ')}`) : '', cert.extraSans.length ? `not recorded: ${cert.extraSans.join(', ')}` : '']
        .filter(Boolean).join('; ');
  const lines = [
    `Bundle ${out.bold(r.dir)} (${r.mode} mode); clients use ${r.registry}`,
    '',
    `${out.bold('CA')}  ${BUNDLE_FILES.caCert}`,
    row('subject', ca.subject),
    row('key', ca.keyDescription),
    row('valid', validity(out, ca)),
    row('key file', caKey),
    '',
    `${out.bold('Server certificate')}  ${BUNDLE_FILES.cert}${r.mode === 'insecure' ? ' (not served: insecure mode is plain HTTP)' : ''}`,
    row('subject', cert.subject),
    row('SANs', `${cert.sans.join(', ')}  (${sans})`),
    row('key', `${cert.keyDescription}, ${certKey}`),
    row('serial', cert.serial),
    row('valid', validity(out, cert)),
    row('chain', cert.chainsToCa ? `issued by ${BUNDLE_FILES.caCert}` : out.red(`NOT issued by ${BUNDLE_FILES.caCert}`)),
    '',
    ...(r.auth === null ? [] : [`Auth: ${r.auth === 'token' ? 'token (docker_auth: roles, bcrypt once per login)' : 'htpasswd (every user may push and delete)'}`]),
    ...(r.tokenSigner ? tokenLines(out, r.tokenSigner) : []),
    r.users === null ? 'Users: none (insecure mode has no authentication)' : `Users (${r.users.length}): ${r.users.join(', ') || '(none)'}`,
    ...(r.storage ? storageLines(out, r.storage, r.instances) : []),
    ...(r.image ? [`Registry image: ${r.image.outdated ? out.yellow(`${r.image.image} (older than ${r.image.pinned}${r.image.cves.length ? `; ${r.image.cves.map((c) => c.id).join(', ')}` : ''})`) : r.image.image}`] : []),
    ...(r.probe ? ['', ...probeLines(out, r.probe)] : []),
    '',
    ...(r.mirrors?.length ? mirrorLines(out, r.mirrors) : []),
  ];
  if (r.ok) {
    lines.push(`${out.green('✔')} All is well. The server certificate is due for renewal on ${isoDay(cert.renewalDue)} (window ${r.windowDays} days).`);
  } else {
    lines.push(out.bold('Needs action:'), ...r.problems.map((p) => `  • ${p}`));
  }
  out.print(lines.join('\n'));
}
