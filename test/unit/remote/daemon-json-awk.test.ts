import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readScriptAsset } from '../../../src/remote/script-assets.js';

/**
 * The daemon.json editor runs on the node under whatever awk it has, so the same table runs
 * through every awk here: the default `awk` (mawk on Debian) always, busybox awk and gawk
 * when installed.
 */
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const AWKS: Array<[string, string[]]> = [
  ['awk', ['awk']],
  ...(has('busybox') ? [['busybox awk', ['busybox', 'awk']] as [string, string[]]] : []),
  ...(has('gawk') ? [['gawk', ['gawk']] as [string, string[]]] : []),
  ...(has('mawk') && execFileSync('readlink', ['-f', execFileSync('sh', ['-c', 'command -v awk'], { encoding: 'utf8' }).trim()], { encoding: 'utf8' }).trim() !== '/usr/bin/mawk'
    ? [['mawk', ['mawk']] as [string, string[]]]
    : []),
];
const PROGRAM = readScriptAsset('daemon-json.awk');
const dir = mkdtempSync(join(tmpdir(), 'rs-awk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface AwkRun { status: number | null; report: string[]; output: string | null }
let seq = 0;
function runAwk(awk: string[], doc: string, op: string, want: string[], dropkey = false): AwkRun {
  const input = join(dir, `in-${++seq}.json`);
  const out = join(dir, `out-${seq}.json`);
  writeFileSync(input, doc);
  const [cmd, ...pre] = awk;
  const r = spawnSync(cmd!, [...pre, '-v', `op=${op}`, '-v', `want=${want.join(' ')}`, '-v', `out=${out}`, '-v', `dropkey=${dropkey ? 1 : 0}`, PROGRAM, input], {
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
  ['deep nesting elsewhere', '{"x": [[[[{"y": [{}]}]]]], "z": {}}', [A], `{"x": [[[[{"y": [{}]}]]]], "z": {}, "insecure-registries": ["${A}"]}`, [`added ${A}`, 'key']],
];

const INVALID: Array<[string, string, RegExp]> = [
  ['an empty file', '', /empty/],
  ['only whitespace', ' \n\t', /empty/],
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
  ['an error on line 3', '{\n  "a": 1,\n  "b": tru\n}', /line 3/],
];

describe.each(AWKS)('daemon-json.awk under %s', (_name, awk) => {
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
