// A scheduler process for test/schedule.test.ts to send SIGTERM to. Plain ESM because Node 20 cannot run
// TypeScript: it imports the real startScheduler/installSignalHandlers compiled from pipeline/schedule.ts by the test.
//
//   node schedule-child.mjs <build> <lockDir> <marker>
//
// Ticks every second; the first job prints "job started", takes 2 s, then writes <marker> and prints "job finished".
// Later firings during that job are logged as overlaps. Every log line goes to stdout.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

const [build, lockDir, marker] = process.argv.slice(2);
const { startScheduler, installSignalHandlers } = await import(pathToFileURL(join(build, 'pipeline', 'schedule.js')).href);

const log = (line) => process.stdout.write(line + '\n');
let jobs = 0;
const scheduler = startScheduler({
  cron: '* * * * * *',
  timezone: 'Europe/Oslo',
  lockDir,
  log,
  tick: async () => {
    const n = ++jobs;
    log(`job started ${n}`);
    await sleep(2000);
    await writeFile(marker, `job ${n} finished\n`);
    log(`job finished ${n}`);
    return { kind: 'new-edition', detail: `test-${n}` };
  },
});
installSignalHandlers(scheduler, log);
log('ready');
