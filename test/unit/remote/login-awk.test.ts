import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { jsonAwkProgram, readScriptAsset } from '../../../src/remote/script-assets.js';
import { loginValues } from '../../../src/remote/login-script.js';
import { AWKS } from './awks.js';

/** config-json.awk and registries-yaml.awk, as tables, under every awk here. */
const CJ = jsonAwkProgram('config-json.awk');
const KY = readScriptAsset('registries-yaml.awk');
const dir = mkdtempSync(join(tmpdir(), 'rs-login-awk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const A = '10.0.0.5:5000';
// A password with every character YAML and JSON quote differently.
const V = loginValues({ user: 'nodes', password: `p"w\\'#: \x7f–` });
const CA = '/etc/rancher/k3s/registry-setup/10.0.0.5:5000/ca.crt';

interface Run { status: number | null; report: string[]; output: string | null; old: string | null }
let seq = 0;
function runAwk(awk: string[], program: string, doc: string | null, vars: Record<string, string>, env: Record<string, string>): Run {
  const input = doc === null ? '/dev/null' : join(dir, `in-${++seq}`);
  if (doc !== null) writeFileSync(input, doc);
  const out = join(dir, `out-${++seq}`);
  const old = join(dir, `old-${seq}`);
  const [cmd, ...pre] = awk;
  const args = Object.entries({ out, old, ...vars }).flatMap(([k, v]) => ['-v', `${k}=${v}`]);
  const r = spawnSync(cmd!, [...pre, ...args, program, input], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', ...env } });
  if (r.stderr) throw new Error(`${awk.join(' ')} wrote to stderr: ${r.stderr}`);
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : null);
  return { status: r.status, report: r.stdout.split('\n').filter(Boolean), output: read(out), old: read(old) };
}

const ENTRY = `"${A}": ${V.dockerAuth}`;
const CJ_TABLE: Array<[string, string, string, string[]]> = [
  ['an empty object', '{}', `{"auths": {${ENTRY}}}`, ['added', 'key']],
  ['a blank file', ' \n', `{"auths": {${ENTRY}}} \n`, ['added', 'key']],
  ['a credsStore only', '{\n  "credsStore": "desktop"\n}\n', `{\n  "credsStore": "desktop",\n  "auths": {${ENTRY}}\n}\n`, ['added', 'key']],
  ['what docker login writes, tabs', '{\n\t"auths": {\n\t\t"o:1": {\n\t\t\t"auth": "eA=="\n\t\t}\n\t},\n\t"credHelpers": {"gcr.io": "gcloud"}\n}', `{\n\t"auths": {\n\t\t"o:1": {\n\t\t\t"auth": "eA=="\n\t\t},\n\t\t${ENTRY}\n\t},\n\t"credHelpers": {"gcr.io": "gcloud"}\n}`, ['added']],
  ['an empty auths', '{"auths": {}, "x": [1, 2]}', `{"auths": {${ENTRY}}, "x": [1, 2]}`, ['added']],
  ['auths spelled with capitals (Go matches keys without case)', '{"Auths": {"o:1": {}}}', `{"Auths": {"o:1": {}, ${ENTRY}}}`, ['added']],
  ['CRLF line ends', '{\r\n  "auths": {\r\n    "o:1": {}\r\n  }\r\n}\r\n', `{\r\n  "auths": {\r\n    "o:1": {},\r\n    ${ENTRY}\r\n  }\r\n}\r\n`, ['added']],
];
const CJ_BAD: Array<[string, string, RegExp]> = [
  ['a cut-off file', '{"auths": {"o:1": {', /expected a quoted key/],
  ['auths a list', '{"auths": []}', /auths is not an object/],
  ['auths twice', '{"auths": {}, "auths": {}}', /appears twice/],
  ['the address twice', `{"auths": {"${A}": {}, "${A}": {}}}`, /names 10\.0\.0\.5:5000 twice/],
  ['a top-level list', '[]', /not a JSON object/],
];

describe.each(AWKS)('config-json.awk under %s', (_name, awk) => {
  const cj = (doc: string, op: string, env = V.dockerAuth, dropkey = '0') => runAwk(awk, CJ, doc, { op, key: A, dropkey }, { RS_JV: env });

  it.each(CJ_TABLE)('adds to %s, keeping every other byte, and removes it again byte for byte', (_what, doc, expected, report) => {
    const added = cj(doc, 'add');
    expect(added).toMatchObject({ status: 0, report, output: expected });
    expect(JSON.parse(added.output!)).toBeTruthy();
    const removed = cj(added.output!, 'remove', '', added.report.includes('key') ? '1' : '0');
    expect(removed.status).toBe(0);
    expect(removed.output).toBe(added.report.includes('key') && doc.trim() === '' ? '{} \n' : doc);
  });

  it('changes nothing when the entry is ours already, and replaces and restores one that is not', () => {
    expect(cj(`{"auths": {${ENTRY}}}`, 'add')).toMatchObject({ status: 3, output: null });
    const theirs = `{"auths": {"${A}": {\n  "auth": "dGhlaXJz"\n}}}`;
    const r = cj(theirs, 'add');
    expect(r).toMatchObject({ status: 0, report: ['replaced'], output: `{"auths": {${ENTRY}}}`, old: '{\n  "auth": "dGhlaXJz"\n}' });
    expect(cj(r.output!, 'restore', r.old!)).toMatchObject({ status: 0, output: theirs });
  });

  it.each(CJ_BAD)('refuses %s and writes nothing', (_what, doc, error) => {
    const r = cj(doc, 'add');
    expect(r.status === 4 || r.status === 5).toBe(true);
    expect(r.report.join('\n')).toMatch(error);
    expect(r.output).toBeNull();
  });
});

const YAML_TABLE: Array<[string, string | null]> = [
  ['no file', null],
  ['an empty file', ''],
  ['mirrors only', 'mirrors:\n  docker.io:\n    endpoint:\n      - "https://m:5000"\n'],
  ['configs with four-space children and comments', '# site\nconfigs:\n    "o:1":\n        tls:\n            insecure_skip_verify: true\n    # end of o:1\nmirrors: {}\n'],
  ['a document marker and no final newline', '---\nconfigs:\n  o:1:\n    auth: {username: a, password: b}'],
];
const YAML_BAD: Array<[string, string, number, RegExp]> = [
  ['flow style at the top', '{configs: {}}\n', 4, /not a plain top-level key/],
  ['configs in flow style', 'configs: {}\n', 4, /not a block mapping/],
  ['a tab in the indentation', 'configs:\n\t"o:1": {}\n', 4, /tab in the indentation/],
  ['two documents', 'a: 1\n---\nb: 2\n', 4, /more than one YAML document/],
  ['an entry for the address not ours', `configs:\n  "${A}":\n    tls: {}\n`, 5, /did not write/],
];

describe.each(AWKS)('registries-yaml.awk under %s', (_name, awk) => {
  const env = { RS_KU: V.yamlUser, RS_KP: V.yamlPassword };
  const ky = (doc: string | null, op: string, dropkey = '0') => runAwk(awk, KY, doc, { op, key: A, ca: CA, dropkey }, env);

  it.each(YAML_TABLE)('adds the entry to %s as YAML that parses, every other entry kept, and removes it again', (_what, doc) => {
    const before = doc === null ? {} : (parseYaml(doc) ?? {});
    const added = ky(doc, 'add');
    expect(added.status, added.report.join('\n')).toBe(0);
    const parsed = parseYaml(added.output!);
    expect(parsed.configs[A]).toEqual({ auth: { username: 'nodes', password: `p"w\\'#: \x7f–` }, tls: { ca_file: CA } });
    expect({ ...parsed, configs: Object.fromEntries(Object.entries(parsed.configs).filter(([k]) => k !== A)) }).toEqual({ ...before, configs: before.configs ?? {} });
    expect(ky(added.output!, 'add')).toMatchObject({ status: 3 });
    const removed = ky(added.output!, 'remove', added.report.includes('key') ? '1' : '0');
    expect(removed.status).toBe(0);
    // A file without a final newline keeps the one our lines brought: the only byte not put back.
    const back = doc === null ? '' : doc.endsWith('\n') || doc === '' ? doc : `${doc}\n`;
    expect(removed.output).toBe(back);
  });

  const mirror = (d: string | null, op: string, key: string, dropkey = '0') => runAwk(awk, KY, d, { op, key, section: 'mirrors', endpoint: 'https://10.0.0.5:5010', ca: '', auth: '0', dropkey }, env);
  // The table's `mirrors: {}` is flow style, which the awk never edits (tested below).
  it.each(YAML_TABLE.filter(([, doc]) => !doc?.includes('mirrors: {}')))('adds a mirror (section=mirrors) to %s beside every other entry, and removes it again', (_what, doc) => {
    const before = doc === null ? {} : (parseYaml(doc) ?? {});
    const added = mirror(doc, 'add', 'ghcr.io');
    expect(added.status, added.report.join('\n')).toBe(0);
    const parsed = parseYaml(added.output!);
    expect(parsed.mirrors).toEqual({ ...before.mirrors, 'ghcr.io': { endpoint: ['https://10.0.0.5:5010'] } });
    expect(parsed.configs).toEqual(before.configs);
    expect(mirror(added.output!, 'add', 'ghcr.io')).toMatchObject({ status: 3 });
    const removed = mirror(added.output!, 'remove', 'ghcr.io', added.report.includes('key') ? '1' : '0');
    const back = doc === null ? '' : doc.endsWith('\n') || doc === '' ? doc : `${doc}\n`;
    expect(removed.output).toBe(back);
  });

  it('refuses a mirror in flow style, or one for an upstream it did not write, and writes nothing', () => {
    expect(mirror('mirrors: {}\n', 'add', 'ghcr.io')).toMatchObject({ status: 4, report: ['error mirrors is not a block mapping (line 1)'], output: null });
    expect(mirror('mirrors:\n  docker.io:\n    endpoint: ["https://m"]\n', 'add', 'docker.io')).toMatchObject({ status: 5, output: null });
  });

  it.each(YAML_BAD)('refuses %s and writes nothing', (_what, doc, status, error) => {
    const r = ky(doc, 'add');
    expect(r.status).toBe(status);
    expect(r.report.join('\n')).toMatch(error);
    expect(r.output).toBeNull();
  });
});
