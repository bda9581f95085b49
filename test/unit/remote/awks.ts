import { execFileSync, spawnSync } from 'node:child_process';

/**
 * The node-side editors run under whatever awk the node has, so their tables run through every
 * awk here: the default `awk` (mawk on Debian) always, busybox awk and gawk when installed.
 */
export const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
export const AWKS: Array<[string, string[]]> = [
  ['awk', ['awk']],
  ...(has('busybox') ? [['busybox awk', ['busybox', 'awk']] as [string, string[]]] : []),
  ...(has('gawk') ? [['gawk', ['gawk']] as [string, string[]]] : []),
  ...(has('mawk') && execFileSync('readlink', ['-f', execFileSync('sh', ['-c', 'command -v awk'], { encoding: 'utf8' }).trim()], { encoding: 'utf8' }).trim() !== '/usr/bin/mawk'
    ? [['mawk', ['mawk']] as [string, string[]]]
    : []),
];
