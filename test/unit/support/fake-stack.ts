import type { ExecResult, StackControl } from '../../../src/stack/stack-control.js';
import { StackError } from '../../../src/stack/stack-control.js';

/**
 * A stack that records every call as one line ("restart registry", "reload nginx
 * drain"), answers from a table, and fails the calls named in `fail`: commands are
 * tested for what they ask of the stack, in which order, without docker.
 */
export interface FakeStack extends StackControl {
  calls: string[];
}

export function fakeStack(opts: { running?: string[]; fail?: string[]; exec?: (service: string, argv: readonly string[]) => ExecResult; dir?: string } = {}): FakeStack {
  const calls: string[] = [];
  const running = new Set(opts.running ?? ['registry', 'nginx']);
  const call = (line: string) => {
    calls.push(line);
    if (opts.fail?.includes(line)) throw new StackError('no such service', `cd ${opts.dir ?? '.'} && docker compose ${line}`);
  };
  const ok: ExecResult = { exitCode: 0, stdout: '', stderr: '' };
  return {
    calls,
    dir: opts.dir ?? '.',
    up: () => call('up'),
    pull: () => (call('pull'), ok),
    imagePresent: (image) => (calls.push(`image ${image}`), true),
    isRunning: (service) => (calls.push(`running? ${service}`), running.has(service)),
    restart: (service) => call(`restart ${service}`),
    restartInPlace: (service) => call(`restart ${service} in place`),
    exec: (service, argv) => (calls.push(`exec ${service} ${argv.join(' ')}`), opts.exec?.(service, argv) ?? ok),
    runOnce: (service, argv) => (calls.push(`run ${service} ${argv.join(' ')}`), opts.exec?.(service, argv) ?? ok),
    reloadNginx: (o = {}) => call(`reload nginx${o.check ? ' check' : ''}${o.drain ? ' drain' : ''}`),
    startExtra: (name, service, argv) => {
      call(`start ${name} (${service} ${argv.join(' ')})`);
      running.add(name);
    },
    stopExtra: (name) => {
      call(`stop ${name}`);
      running.delete(name);
    },
    waitUntilAnswers: (from, url) => call(`wait ${from} ${url}`),
  };
}
