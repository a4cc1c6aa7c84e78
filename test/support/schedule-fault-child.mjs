// A scheduler process with installFaultGuards, whose ticks misbehave outside their own promise: tick 1 leaves a
// rejected promise nobody handles, tick 2 makes an EventEmitter emit 'error' with no listener from a timer (an
// uncaught exception), tick 3 and later are fine. Uses the real code compiled into dist/ by the test run's
// global setup. Prints every log line and alert on stdout; the test stops it with SIGTERM.
//
//   node schedule-fault-child.mjs <lockDir>
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [lockDir] = process.argv.slice(2);
const dist = join(import.meta.dirname, '..', '..', 'dist', 'pipeline');
const { startScheduler, installSignalHandlers, installFaultGuards } = await import(pathToFileURL(join(dist, 'schedule.js')).href);

const log = (line) => process.stdout.write(`${line}\n`);
const alert = async (a) => log(`alert ${a.incident}`);
let jobs = 0;
const scheduler = startScheduler({
  cron: '* * * * * *',
  timezone: 'Europe/Oslo',
  lockDir,
  log,
  alert,
  tick: async () => {
    const n = ++jobs;
    if (n === 1) void Promise.reject(new Error('a promise nobody awaited'));
    if (n === 2) setTimeout(() => new EventEmitter().emit('error', new Error('an error event nobody listened to')), 10);
    return { kind: 'unchanged', detail: `job ${n}` };
  },
});
installFaultGuards(log, alert);
installSignalHandlers(scheduler, log);
log('ready');
