import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonAwkProgram, readScriptAsset } from '../../../src/remote/script-assets.js';
import { AWKS, has } from './awks.js';

const PROGRAM = jsonAwkProgram('daemon-json.awk');
const dir = mkdtempSync(join(tmpdir(), 'rs-awk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * dockerd 20.10 has no --validate, but it reads --config-file before anything else: a flag
 * that the file also sets makes it stop there, naming the list it read ("from file: [...]").
 * Run unprivileged, it stops at its root check at the latest, so it never starts.
 */
const ROOT = process.getuid?.() === 0;
const DOCKERD = has('dockerd') && (!ROOT || has('setpriv'));
function dockerdSees(doc: string): string[] | string {
  const d = mkdtempSync(join(tmpdir(), 'rs-dockerd-'));
  try {
    chmodSync(d, 0o755);
    const file = join(d, 'daemon.json');
    writeFileSync(file, doc, { mode: 0o644 });
    const args = ['--config-file', file, '--insecure-registry', 'rs-probe:1', '--data-root', join(d, 'data'), '--exec-root', join(d, 'exec'), '--pidfile', join(d, 'pid'), '-H', `unix://${join(d, 'sock')}`];
    const r = ROOT
      ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'dockerd', ...args], { encoding: 'utf8', timeout: 30_000 })
      : spawnSync('dockerd', args, { encoding: 'utf8', timeout: 30_000 });
    const listed = /from file: \[([^\]]*)\]/.exec(r.stderr);
    if (listed) return listed[1]!.split(' ').filter(Boolean);
    return /root privileges/.test(r.stderr) ? [] : `dockerd refused it: ${r.stderr}`;
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

interface AwkRun { status: number | null; report: string[]; output: string | null }
let seq = 0;
function runAwk(awk: string[], doc: string, op: string, want: string[], dropkey = false, key = ''): AwkRun {
  const input = join(dir, `in-${++seq}.json`);
  const out = join(dir, `out-${seq}.json`);
  writeFileSync(input, doc);
  const [cmd, ...pre] = awk;
  const r = spawnSync(cmd!, [...pre, '-v', `op=${op}`, '-v', `want=${want.join(' ')}`, '-v', `out=${out}`, '-v', `dropkey=${dropkey ? 1 : 0}`, '-v', `key=${key}`, PROGRAM, input], {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
  });
  if (r.stderr) throw new Error(`${awk.join(' ')} wrote to stderr: ${r.stderr}`);
  return { status: r.status, report: r.stdout.split('\n').filter(Boolean), output: existsSync(out) ? readFileSync(out, 'utf8') : null };
}

const A = '10.0.0.5:5000';
const B = 'registry.lan:5000';
const ADD_TABLE: Array<[string, string, string[], string, string[]]> = [
  ['an empty object', '{}', [A], `{"insecure-registries": ["${A}"]}`, [`added ${A}`, 'key']],
  ['an empty object with a newline inside', '{\n}\n', [A, B], `{"insecure-registries": ["${A}", "${B}"]\n}\n`, [`added ${A}`, `added ${B}`, 'key']],
  ['one key per line', '{\n  "storage-driver": "vfs"\n}\n', [A], `{\n  "storage-driver": "vfs",\n  "insecure-registries": ["${A}"]\n}\n`, [`added ${A}`, 'key']],
  ['two keys, tab indent, no final newline', '{\n\t"a": 1,\n\t"b": {"c": [true, false, null]}\n}', [A], `{\n\t"a": 1,\n\t"b": {"c": [true, false, null]},\n\t"insecure-registries": ["${A}"]\n}`, [`added ${A}`, 'key']],
  ['compact', '{"a":-1.5e+3,"b":"x\\"y\\\\z\\u00e9"}', [A], `{"a":-1.5e+3,"b":"x\\"y\\\\z\\u00e9","insecure-registries": ["${A}"]}`, [`added ${A}`, 'key']],
  ['CRLF line ends', '{\r\n  "debug": true\r\n}\r\n', [A], `{\r\n  "debug": true,\r\n  "insecure-registries": ["${A}"]\r\n}\r\n`, [`added ${A}`, 'key']],
  ['UTF-8 text', '{"label": "nœud ✔"}\n', [A], `{"label": "nœud ✔", "insecure-registries": ["${A}"]}\n`, [`added ${A}`, 'key']],
  ['an empty list', '{"insecure-registries": [ ]}', [A], `{"insecure-registries": ["${A}" ]}`, [`added ${A}`]],
  ['a list on one line', '{"insecure-registries": ["old:5000"], "x": 1}', [A, 'old:5000'], `{"insecure-registries": ["old:5000", "${A}"], "x": 1}`, [`added ${A}`]],
  ['a list one per line', '{\n  "insecure-registries": [\n    "a:1",\n    "b:2"\n  ]\n}\n', [B, A], `{\n  "insecure-registries": [\n    "a:1",\n    "b:2",\n    "${B}",\n    "${A}"\n  ]\n}\n`, [`added ${B}`, `added ${A}`]],
  ['a one-entry list on its own line', '{"insecure-registries": [\n  "a:1"\n]}', [A], `{"insecure-registries": [\n  "a:1",\n  "${A}"\n]}`, [`added ${A}`]],
  ['the key spelled with capitals (Go matches keys without case)', '{"Insecure-Registries": ["a:1"]}', [A], `{"Insecure-Registries": ["a:1", "${A}"]}`, [`added ${A}`]],
  ['a wanted entry named twice', '{}', [A, A], `{"insecure-registries": ["${A}"]}`, [`added ${A}`, 'key']],
  ['the key spelled with escapes (dockerd decodes keys)', '{"insecure\\u002dregistries": ["a:1"]}', [A], `{"insecure\\u002dregistries": ["a:1", "${A}"]}`, [`added ${A}`]],
  ['the key spelled with escapes and capitals', '{"\\u0049NSECURE\\u002DRegistries": []}', [A], `{"\\u0049NSECURE\\u002DRegistries": ["${A}"]}`, [`added ${A}`]],
  ['entries spelled with escapes', '{"insecure-registries": ["10.0.0.5\\u003a5000", "registry\\u002elan\\u003A5000"]}', [A, B, 'c:3'], '{"insecure-registries": ["10.0.0.5\\u003a5000", "registry\\u002elan\\u003A5000", "c:3"]}', ['added c:3']],
  ['deep nesting elsewhere', '{"x": [[[[{"y": [{}]}]]]], "z": {}}', [A], `{"x": [[[[{"y": [{}]}]]]], "z": {}, "insecure-registries": ["${A}"]}`, [`added ${A}`, 'key']],
];

const INVALID: Array<[string, string, RegExp]> = [
  ['a list at the top', '["a"]', /not a JSON object/],
  ['truncated', '{"insecure-registries": [', /ends too early/],
  ['a trailing comma', '{"a": 1,}', /quoted key/],
  ['a trailing comma in a list', '{"a": [1,]}', /unexpected character ]/],
  ['single quotes', "{'a': 1}", /quoted key/],
  ['a comment', '{"a": 1 // no\n}', /expected , or }/],
  ['a leading zero', '{"a": 01}', /expected , or }/],
  ['a bare word', '{"a": yes}', /unexpected character y/],
  ['a raw newline in a string', '{"a": "x\ny"}', /control character/],
  ['a bad escape', '{"a": "\\x41"}', /bad escape/],
  ['a short unicode escape', '{"a": "\\u12"}', /bad escape/],
  ['an unclosed string', '{"a": "x}', /not closed/],
  ['text after the object', '{"a": 1} {"b": 2}', /after the closing/],
  ['a missing colon', '{"a" 1}', /expected :/],
  ['a byte order mark', '\ufeff{}', /not a JSON object/],
  ['the key twice', '{"insecure-registries": [], "insecure-registries": ["x"]}', /appears twice/],
  ['the key twice, once spelled with escapes', '{"insecure-registries": [], "insecure\\u002dregistries": ["x"]}', /appears twice/],
  ['a NUL in a string', '{"a": "x\0y"}\n', /control character in a string/],
  ['a NUL in an entry', `{"insecure-registries": ["${A}\0"]}`, /control character in a string/],
  ['a NUL in a key', '{"a\0": 1}', /control character in a string/],
  ['a NUL before a value', '{"a": \0 1}', /unexpected/],
  ['a NUL before the object', '\0{}', /not a JSON object/],
  ['a NUL after the object, then a newline', '{"a": 1}\0\n', /after the closing/],
  ['a control byte in a string', '{"a": "x\x1fy"}', /control character in a string/],
  ['a control byte as a value', '{"a": \x01}', /unexpected/],
  ['a control byte ending the file', '{}\x01', /control character at the end/],
  ['an error on line 3', '{\n  "a": 1,\n  "b": tru\n}', /line 3/],
];

describe.each(AWKS)('daemon-json.awk under %s', (name, awk) => {
  it.each(ADD_TABLE)('adds to %s, keeping every other byte', (_what, doc, want, expected, report) => {
    const r = runAwk(awk, doc, 'add', want);
    expect(r).toEqual({ status: 0, report, output: expected });
  });

  it.each(ADD_TABLE)('removes again from %s, byte for byte', (_what, doc, want) => {
    const added = runAwk(awk, doc, 'add', want);
    // untrust-node removes what trust-node recorded as added, never what was there before.
    const ours = added.report.filter((l) => l.startsWith('added ')).map((l) => l.slice('added '.length));
    const r = runAwk(awk, added.output!, 'remove', ours, added.report.includes('key'));
    expect(r.status).toBe(0);
    expect(r.output).toBe(doc);
  });

  it('edits registry-mirrors with key=, leaving insecure-registries alone, and a removal is the exact inverse', () => {
    const doc = '{\n  "insecure-registries": ["a:1"],\n  "log-level": "warn"\n}\n';
    const added = runAwk(awk, doc, 'add', ['https://m:5010'], false, 'registry-mirrors');
    expect(added).toMatchObject({ status: 0, report: ['added https://m:5010', 'key'] });
    expect(JSON.parse(added.output!)).toEqual({ 'insecure-registries': ['a:1'], 'log-level': 'warn', 'registry-mirrors': ['https://m:5010'] });
    expect(runAwk(awk, added.output!, 'check', ['https://m:5010', 'a:1'], false, 'registry-mirrors').report).toEqual(['present https://m:5010']);
    // untrust first reloads dockerd with an empty list (it keeps mirrors whose key is gone), then drops the key.
    expect(JSON.parse(runAwk(awk, added.output!, 'remove', ['https://m:5010'], false, 'registry-mirrors').output!)['registry-mirrors']).toEqual([]);
    expect(runAwk(awk, added.output!, 'remove', ['https://m:5010'], true, 'registry-mirrors').output).toBe(doc);
    expect(runAwk(awk, '{"registry-mirrors": "https://x"}', 'add', ['https://m:5010'], false, 'registry-mirrors')).toMatchObject({ status: 5, report: ['error registry-mirrors is not a list of strings'] });
  });

  it('changes nothing when every entry is there (exit 3, no file written)', () => {
    expect(runAwk(awk, `{"insecure-registries": ["${B}", "${A}"]}`, 'add', [A, B])).toEqual({ status: 3, report: [], output: null });
    expect(runAwk(awk, '{"a": 1}', 'remove', [A])).toEqual({ status: 3, report: [], output: null });
  });

  it('removes an entry from the middle, keeping the others and their layout', () => {
    const r = runAwk(awk, '{\n  "insecure-registries": [\n    "a:1",\n    "b:2",\n    "c:3"\n  ]\n}\n', 'remove', ['b:2']);
    expect(r.output).toBe('{\n  "insecure-registries": [\n    "a:1",\n    "c:3"\n  ]\n}\n');
    expect(runAwk(awk, '{"insecure-registries": ["a:1", "b:2"]}', 'remove', ['a:1']).output).toBe('{"insecure-registries": ["b:2"]}');
  });

  it('keeps an emptied key unless told it added it, and reports an object left empty', () => {
    expect(runAwk(awk, '{"insecure-registries": ["a:1"], "x": 1}', 'remove', ['a:1']).output).toBe('{"insecure-registries": [], "x": 1}');
    expect(runAwk(awk, '{"insecure-registries": ["a:1"], "x": 1}', 'remove', ['a:1'], true).output).toBe('{"x": 1}');
    expect(runAwk(awk, '{"x": 1, "insecure-registries": ["a:1"], "y": 2}', 'remove', ['a:1'], true).output).toBe('{"x": 1, "y": 2}');
    expect(runAwk(awk, '{ "insecure-registries": ["a:1"] }\n', 'remove', ['a:1'], true)).toMatchObject({ report: ['removed a:1', 'empty'], output: '{  }\n' });
  });

  it('reports which entries are present', () => {
    expect(runAwk(awk, `{"insecure-registries": ["${A}", "x:1"]}`, 'check', [A, B])).toEqual({ status: 0, report: [`present ${A}`], output: null });
  });

  it.each(INVALID)('refuses %s (exit 4), writing nothing', (_what, doc, why) => {
    const r = runAwk(awk, doc, 'add', [A]);
    expect(r.status).toBe(4);
    expect(r.output).toBeNull();
    expect(r.report).toHaveLength(1);
    expect(r.report[0]).toMatch(/^error /);
    expect(r.report[0]).toMatch(why);
    // The line goes back to registry-setup as text: no raw control bytes in it.
    expect(r.report[0]).toMatch(/^[ -~]+$/);
  });

  // busybox awk ends a record at a NUL, so one as the very last byte never reaches the
  // program; rs_dj counts NULs before it runs awk (tested below under every awk).
  it.skipIf(name === 'busybox awk')('refuses a NUL as the last byte of the file (exit 4), writing nothing', () => {
    const r = runAwk(awk, '{"a": 1}\0', 'add', [A]);
    expect(r).toMatchObject({ status: 4, output: null });
    expect(r.report).toEqual([expect.stringMatching(/^error [ -~]+$/)]);
  });

  it('treats an empty or blank file as {} (dockerd 23+ does; 20.10 refuses it, which adding repairs)', () => {
    expect(runAwk(awk, '', 'add', [A])).toEqual({ status: 0, report: [`added ${A}`, 'key'], output: `{"insecure-registries": ["${A}"]}` });
    expect(runAwk(awk, '\n', 'add', [A])).toEqual({ status: 0, report: [`added ${A}`, 'key'], output: `{"insecure-registries": ["${A}"]}\n` });
    expect(runAwk(awk, ' \r\n\t', 'add', [A, B])).toEqual({ status: 0, report: [`added ${A}`, `added ${B}`, 'key'], output: `{"insecure-registries": ["${A}", "${B}"]} \r\n\t` });
    for (const doc of ['', '\n', ' \r\n\t']) {
      expect(runAwk(awk, doc, 'check', [A])).toEqual({ status: 0, report: [], output: null });
      expect(runAwk(awk, doc, 'remove', [A], true)).toEqual({ status: 3, report: [], output: null });
    }
    // Undoing the addition leaves {} where the blank was: the awk cannot tell it made the braces.
    expect(runAwk(awk, `{"insecure-registries": ["${A}"]}\n`, 'remove', [A], true)).toEqual({ status: 0, report: [`removed ${A}`, 'empty'], output: '{}\n' });
  });

  it('compares keys and entries after decoding their escapes', () => {
    const doc = '{"insecure-registries": ["10.0.0.5\\u003a5000", "\\u0072egistry.lan:5000", "a\\/b", "\\u00e9", "\\ud83d\\ude00", "\\ud83d", "x:1"]}';
    expect(runAwk(awk, doc, 'check', [A, B, 'a/b', 'é', '😀', '\ufffd', 'y:2'])).toEqual({
      status: 0,
      report: [`present ${A}`, `present ${B}`, 'present a/b', 'present é', 'present 😀', 'present \ufffd'],
      output: null,
    });
    expect(runAwk(awk, doc, 'add', [B, A])).toEqual({ status: 3, report: [], output: null });
    expect(runAwk(awk, doc, 'remove', [A, 'a/b'])).toEqual({
      status: 0,
      report: [`removed ${A}`, 'removed a/b'],
      output: '{"insecure-registries": ["\\u0072egistry.lan:5000", "\\u00e9", "\\ud83d\\ude00", "\\ud83d", "x:1"]}',
    });
    expect(runAwk(awk, '{"insecure\\u002Dregistries": ["10.0.0.5\\u003a5000"]}', 'check', [A])).toEqual({ status: 0, report: [`present ${A}`], output: null });
    // Decoded, these are A with something more: never A.
    const near = '{"insecure-registries": ["10.0.0.5:5000\\u0000", "10.0.0.5:5000\\n", "10.0.0.5:5000\\\\", "\\"10.0.0.5:5000", "10.0.0.5:5000\\t"]}';
    expect(runAwk(awk, near, 'check', [A])).toEqual({ status: 0, report: [], output: null });
    expect(runAwk(awk, '{"insecure-registries\\u0000": []}', 'add', [A])).toMatchObject({ status: 0, report: [`added ${A}`, 'key'] });
  });

  it.skipIf(!DOCKERD)('writes what dockerd itself reads as the merged list', () => {
    const esc = runAwk(awk, '{"insecure\\u002dregistries": ["a:1"]}', 'add', [A]);
    expect(dockerdSees(esc.output ?? '')).toEqual(['a:1', A]);
    const spelled = `{"insecure-registries": ["10.0.0.5\\u003a5000"]}`;
    expect(dockerdSees(spelled)).toEqual([A]);
    expect(runAwk(awk, spelled, 'add', [A]).status).toBe(3);
    expect(dockerdSees(runAwk(awk, '\n', 'add', [A]).output ?? '')).toEqual([A]);
  });

  it.each([
    ['a string', '{"insecure-registries": "a:1"}'],
    ['a list holding a number', '{"insecure-registries": ["a:1", 5]}'],
    ['an object', '{"insecure-registries": {"a": 1}}'],
  ])('refuses insecure-registries holding %s (exit 5)', (_what, doc) => {
    expect(runAwk(awk, doc, 'add', [A])).toEqual({ status: 5, report: ['error insecure-registries is not a list of strings'], output: null });
  });

  it('agrees with JSON.parse on 250 mutated documents', () => {
    const seeds = ['{"a": [1, 2.5, -3e2, "x\\"y"], "b": {"c": null, "d": true}, "insecure-registries": ["r:1"]}', '{\n  "storage-driver": "vfs",\n  "log-opts": {"max-size": "10m"}\n}\n'];
    const pieces = ['{', '}', '[', ']', ',', ':', '"', '\\', ' ', '0', '-', '.', 'e', 'n', '\n'];
    let x = 42;
    const rand = (n: number): number => ((x = (x * 1103515245 + 12345) % 2147483648), x % n);
    for (let k = 0; k < 250; k++) {
      let doc = seeds[k % seeds.length]!;
      for (let m = rand(3); m >= 0; m--) {
        const at = rand(doc.length + 1);
        doc = rand(2) ? doc.slice(0, at) + doc.slice(at + 1) : doc.slice(0, at) + pieces[rand(pieces.length)] + doc.slice(at);
      }
      if ((doc.match(/insecure-registries/gi) ?? []).length > 1) continue;
      const r = runAwk(awk, doc, 'add', [A]);
      expect([doc, r.status]).toEqual([doc, oracle(doc)]);
    }
  });
});

/** What dockerd (Go's encoding/json) would make of a document: 0/3 usable, 4 invalid, 5 wrong type. */
function oracle(doc: string): number {
  if (/^[ \t\r\n]*$/.test(doc)) return 0;
  let v: unknown;
  try {
    v = JSON.parse(doc);
  } catch {
    return 4;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 4;
  const key = Object.keys(v).find((k) => k.toLowerCase() === 'insecure-registries');
  if (key === undefined) return 0;
  const list = (v as Record<string, unknown>)[key];
  if (!Array.isArray(list) || list.some((e) => typeof e !== 'string')) return 5;
  return list.includes(A) ? 3 : 0;
}

/**
 * rs_dj (daemon-lib.sh) is what runs the awk on a node: it must refuse a file holding a NUL
 * under every awk, including busybox's, which cannot see one as the file's last byte.
 */
const SHELLS: Array<[string, string[], string[]]> = [
  ['sh', ['sh'], []],
  ['bash --posix', ['bash', '--posix'], []],
  ...(has('busybox') ? [['busybox sh, busybox tr and wc', ['busybox', 'sh'], ['tr', 'wc']] as [string, string[], string[]]] : []),
];
const COMBOS = SHELLS.flatMap(([sh, shell, tools]) => AWKS.map(([name, awk]) => [`${sh} with ${name}`, shell, tools, awk] as [string, string[], string[], string[]]));
describe.each(COMBOS)('rs_dj under %s', (_name, shell, tools, awk) => {
  const LIB = `${readScriptAsset('trust-lib.sh')}\n${readScriptAsset('daemon-lib.sh')}`;
  const bin = mkdtempSync(join(dir, 'bin-'));
  // Absolute paths: a shim named awk must not find itself.
  const where = (cmd: string): string => execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();
  const shim = (name: string, [cmd, ...args]: string[]): void => writeFileSync(join(bin, name), `#!/bin/sh\nexec ${[where(cmd!), ...args].join(' ')} "$@"\n`, { mode: 0o755 });
  shim('awk', awk);
  for (const t of tools) shim(t, ['busybox', t]);

  function rsDj(doc: string): { status: number | null; stdout: string; left: string; out: boolean } {
    const t = mkdtempSync(join(dir, 'node-'));
    mkdirSync(join(t, 'etc'));
    const file = join(t, 'etc/daemon.json');
    writeFileSync(file, doc);
    // RS_ROOT: the library's file-system prefix (empty on a node); RS_DJ is then set outright.
    const script = `set -euf\nRS_ROOT=\n${LIB}\nRS_DJ=$T/etc/daemon.json RS_DJN=/etc/docker/daemon.json\nrs_dj add 0 "$T/new.json" ${A}\nprintf 'status %s\\n%s\\n' "$RS_ST" "$RS_O"\n`;
    const [cmd, ...args] = shell;
    const r = spawnSync(cmd!, [...args, '-s'], { input: script, encoding: 'utf8', env: { ...process.env, T: t, RS_AWK: PROGRAM, LC_ALL: 'C', PATH: `${bin}:${process.env.PATH}` } });
    if (r.stderr) throw new Error(`${shell.join(' ')} wrote to stderr: ${r.stderr}`);
    return { status: r.status, stdout: r.stdout, left: readFileSync(file, 'latin1'), out: existsSync(join(t, 'new.json')) };
  }

  it.each([
    ['as the last byte', '{"a": 1}\0'],
    ['as the last byte, after a newline', '{"a": 1}\n\0'],
    ['in a string', '{"a": "x\0y"}\n'],
    ['in an entry', `{"insecure-registries": ["${A}\0"]}`],
    ['first', '\0{}'],
    ['alone', '\0'],
    ['followed by text', '{}\0{"a": 1}'],
  ])('refuses a NUL %s, leaving the file as it was', (_what, doc) => {
    const r = rsDj(doc);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^@@rs error \S+ was left as it was: [ -~]+\n$/);
    expect(r.left).toBe(doc);
    expect(r.out).toBe(false);
  });

  it('passes a valid file to the awk', () => {
    expect(rsDj('{}\n')).toMatchObject({ status: 0, stdout: `status 0\nadded ${A}\nkey\n`, out: true });
  });
});
