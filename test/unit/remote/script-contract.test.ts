import { describe, expect, it } from 'vitest';
import { LINE, NODE, RECORD_KINDS, RESULT_PREFIX, SH, STATES, VARS } from '../../../src/remote/script-contract.js';
import { readScriptAsset } from '../../../src/remote/script-assets.js';
import { parseScriptOutput } from '../../../src/remote/trust-result.js';
import { planTrust, renderTrustScript, type TrustRequest } from '../../../src/remote/trust-script.js';

/**
 * Holds the shell library to script-contract.ts by reading the .sh text: renaming a function,
 * a record kind, a line kind or a path on either side alone fails here, not on a fleet.
 */
const FILES = ['trust-lib.sh', 'daemon-lib.sh', 'undo-lib.sh', 'login-lib.sh'] as const;
// Comment lines out: they describe the contract, and must not count as keeping it.
const code = (text: string): string => text.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
const LIB = FILES.map((f) => code(readScriptAsset(f))).join('\n');
const all = (re: RegExp, text: string): string[] => [...text.matchAll(re)].map((m) => m[1]!);
const defined = new Set(all(/^(rs_\w+)\(\) \{/gm, LIB));

const CA = '-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHHIG2d\n-----END CERTIFICATE-----\n';
const base: TrustRequest = {
  action: 'trust', mode: 'certs', addresses: ['10.0.0.5:5000', 'reg.lan'], caPem: CA,
  runtimes: 'auto', systemTrust: true, hostsEntryIp: '10.0.0.5', now: new Date(0),
};
const VARIANTS: TrustRequest[] = [
  base,
  { ...base, runtimes: ['docker', 'containerd', 'podman'] },
  { ...base, mode: 'insecure', caPem: null, systemTrust: false },
  { ...base, action: 'check' },
  { ...base, action: 'check', mode: 'insecure', caPem: null, systemTrust: false },
  { ...base, action: 'untrust', caPem: null },
  { ...base, login: { user: 'node', password: 'secret' }, restartK3s: true },
  { ...base, mirrors: [{ upstream: 'docker.io', address: '10.0.0.5:5010' }, { upstream: 'ghcr.io', address: '10.0.0.5:5011' }] },
  { ...base, action: 'check', mirrors: [{ upstream: 'docker.io', address: '10.0.0.5:5010' }] },
];
/** The calls the renderer wrote, after the fixed library. */
const bodies = VARIANTS.map((r) => {
  const s = renderTrustScript(planTrust(r));
  return s.slice(s.indexOf(`\n${SH.say} ${LINE.begin}\n`));
});

describe('the script contract', () => {
  it('names only functions the shell library defines', () => {
    expect(Object.values(SH).filter((f) => !defined.has(f))).toEqual([]);
  });

  it('is the only source of the functions the rendered scripts call', () => {
    const called = new Set(bodies.flatMap((b) => all(/\b(rs_\w+)/g, b)));
    expect([...called].filter((f) => !(Object.values(SH) as string[]).includes(f))).toEqual([]);
    // Every contract function is used by some script, or it would not belong in the contract.
    expect(Object.values(SH).filter((f) => !called.has(f))).toEqual([]);
  });

  it('knows every record kind the shell writes, and untrust reads each of them', () => {
    // rs_list_use names the kinds of dockerd's two lists, which rs_list_add writes through variables.
    const written = new Set([
      ...all(/\brs_note "?([a-z]+)/g, LIB), ...all(/\bRS_D(?:K?REC)=([a-z]+)/g, LIB),
      // rs_k3s_edit notes the two kinds it is given.
      ...[...LIB.matchAll(/\brs_k3s_edit "[^"]*" "?([a-z]+)"? ([a-z]+)/g)].flatMap((m) => [m[1]!, m[2]!]),
    ]);
    expect([...written].sort()).toEqual([...RECORD_KINDS].sort());
    const undo = code(`${readScriptAsset('undo-lib.sh')}\n${readScriptAsset('login-lib.sh')}`);
    const read = new Set([...all(/"([a-z]+) "\*\)/g, undo), ...all(/\s([a-z]+)\) (?:RS_D[KF]|rs_mk)=1/g, undo), ...all(/"([a-z]+) "\*\) RS_Y\w+=1/g, undo)]);
    expect(RECORD_KINDS.filter((k) => !read.has(k))).toEqual([]);
  });

  it('knows every @@rs line kind and state word the shell and the renderer emit', () => {
    const text = `${LIB}\n${bodies.join('\n')}`;
    const kinds = new Set(all(/\brs_say ["']?([a-z]+)/g, text));
    expect([...kinds].sort()).toEqual(Object.values(LINE).sort());
    expect(LIB).toMatch(new RegExp(`^rs_say\\(\\) \\{ printf '${RESULT_PREFIX} %s\\\\n'`, 'm'));
    expect(LIB).toMatch(/^rs_fail\(\) \{ rs_say "error /m);
    const states = new Set(all(/\brs_say "state ([a-z]+) /g, LIB));
    expect([...states].sort()).toEqual([...STATES].sort());
  });

  it('parses every line kind and state word the contract names', () => {
    const out = [LINE.begin, `${LINE.runtimes} docker `, ...STATES.map((s) => `${LINE.state} ${s} x`), `${LINE.change} c`, `${LINE.warn} w`, `${LINE.error} e`, LINE.end];
    const r = parseScriptOutput(out.map((l) => `${RESULT_PREFIX} ${l}`).join('\n'));
    expect(r).toEqual({ began: true, ended: true, runtimes: ['docker'], changes: ['c'], warnings: ['w'], errors: ['e'], states: STATES.map((state) => ({ state, what: 'x' })) });
  });

  it('names the variables the renderer sets and the library reads', () => {
    // Read as $VAR, or exported to the awk that reads it from ENVIRON (a credential stays out of argv).
    for (const v of Object.values(VARS)) expect([v, new RegExp(`\\$\\{?${v}\\b|^\\s*\\*?\\).*export [^\\n;]*\\b${v}\\b`, 'm').test(LIB)]).toEqual([v, true]);
    for (const s of VARIANTS.map((r) => renderTrustScript(planTrust(r)))) expect(s).toMatch(/^RS_ROOT=$/m);
  });

  it('knows every node path the shell names, and the shell spells each as the contract does', () => {
    const known = Object.values(NODE) as string[];
    const literals = new Set(all(/((?:\/etc|\/var|\/usr|\/run)\/[A-Za-z0-9._/-]*[A-Za-z0-9._-])/g, LIB));
    expect([...literals].filter((p) => !known.some((k) => p === k || p.startsWith(`${k}/`)))).toEqual([]);
    // The library's named paths, one assignment each (read by the functions as $RS_ROOT$NAME).
    const assigned = Object.fromEntries([...LIB.matchAll(/^(RS_\w+)=(?:\$RS_ROOT)?(\/\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(assigned).toEqual({
      RS_HOSTS: NODE.hosts, RS_DJN: NODE.daemonJson, RS_CADEB: NODE.caDebian, RS_CARH: NODE.caRhel,
      RS_CTD: NODE.containerdConfig, RS_DB: NODE.records,
    });
    // And every contract path is used by one side or the other.
    const rendered = VARIANTS.map((r) => renderTrustScript(planTrust(r))).join('\n');
    expect(known.filter((p) => !LIB.includes(p) && !rendered.includes(p))).toEqual([]);
  });
});
