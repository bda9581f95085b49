import { startStack, startService } from './support/compose-stack.js';
const mode = process.argv[2];
const t0 = Date.now();
const s = await startStack('/tmp/scratch/b');
console.log('started', Date.now() - t0, s.ports);
if (mode === 'stop') { const t1 = Date.now(); await s.stop(); console.log('stopped in', Date.now() - t1); 
  const one = await startService('/tmp/scratch/b', 'registry'); const t2=Date.now(); await one.restart(); console.log('restart', Date.now()-t2, one.pid()); await one.stop(); console.log(one.logs().split('\n').slice(-3).join('\n')); }
if (mode === 'exit') process.exit(0);
if (mode === 'kill') process.kill(process.pid, 'SIGKILL');
