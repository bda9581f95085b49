import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import { shellCommand } from '../remote/shell-quote.js';
import { renderTemplate } from './templates.js';

export interface TimerInput {
  /** Absolute paths: the bundle, the node binary, and the CLI's entry file. */
  dir: string;
  node: string;
  cli: string;
  /** Flags passed on to every run, after `renew --dir DIR --reload`. */
  extraArgs: string[];
  /** systemd is the init system (/run/systemd/system exists); otherwise cron. */
  systemd: boolean;
}

export interface TimerFile {
  /** Relative to the root, e.g. etc/systemd/system/NAME.timer. */
  path: string;
  contents: string;
  mode: number;
}

export interface TimerPlan {
  name: string;
  kind: 'systemd' | 'cron';
  files: TimerFile[];
  /** What turns the files on (systemd only); each is an argv. */
  activate: string[][];
}

/** One unit name per bundle, readable and stable: registry-setup-renew-BASENAME-HASH. */
export function timerName(dir: string): string {
  const slug = basename(dir).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 32) || 'bundle';
  return `registry-setup-renew-${slug}-${createHash('sha256').update(dir).digest('hex').slice(0, 6)}`;
}

/** systemd reads % as a specifier and $ as a variable, even inside quotes. */
function unitText(s: string): string {
  return s.replace(/%/g, '%%').replace(/\$/g, '$$$$');
}

/** One ExecStart word: quoted with systemd's C-style rules when it is not plainly safe. */
export function unitWord(word: string): string {
  const text = unitText(word);
  return /^[A-Za-z0-9_./:@+=,-]+$/.test(text) ? text : `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The unit files, or the cron entry, that run `renew --reload` daily: pure text, so tests read it exactly. */
export function planRenewTimer(input: TimerInput): TimerPlan {
  for (const word of [input.dir, input.node, input.cli, ...input.extraArgs]) {
    if (/[\r\n]/.test(word)) throw new UsageError(`cannot schedule a path containing a line break: ${JSON.stringify(word)}`);
  }
  const name = timerName(input.dir);
  const argv = [input.node, input.cli, 'renew', '--dir', input.dir, '--reload', ...input.extraArgs];
  if (input.systemd) {
    const unit = `etc/systemd/system/${name}`;
    return {
      name,
      kind: 'systemd',
      files: [
        { path: `${unit}.service`, contents: renderTemplate('renew.service.hbs', { dir: unitText(input.dir), execStart: argv.map(unitWord).join(' ') }), mode: 0o644 },
        { path: `${unit}.timer`, contents: renderTemplate('renew.timer.hbs', { dir: unitText(input.dir) }), mode: 0o644 },
      ],
      activate: [['systemctl', 'daemon-reload'], ['systemctl', 'enable', '--now', `${name}.timer`]],
    };
  }
  // cron treats an unescaped % as a line break; the hash spreads hosts over the hour.
  const command = `cd ${shellCommand([input.dir])} && ${shellCommand(argv)} 2>&1 | logger -t ${name}`.replace(/%/g, '\\%');
  const minute = parseInt(name.slice(-6), 16) % 60;
  const contents = renderTemplate('renew.cron.hbs', { dir: input.dir, minute, hour: 3, command });
  // run-parts ignores cron.d files whose names contain dots, which ours never do.
  return { name, kind: 'cron', files: [{ path: `etc/cron.d/${name}`, contents, mode: 0o644 }], activate: [] };
}
