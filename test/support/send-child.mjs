// A `briefing send` for the tests to kill, stop or run twice at once: the real withLock, sendEdition and
// installShutdown, compiled into dist/ by the test run's global setup. Plain ESM, so Node runs it as is.
//
//   node send-child.mjs '<json>'   {outDir, editionId, mail, lockDirs, shutdown?: bool, waitForGo?: bool, retry?}
//
// Prints "ready" once loaded (then, with waitForGo, waits for a line on stdin), "log <line>" for each of
// sendEdition's log lines, and at the end "result <json>" or "error <name> <message>". Exit code: 0, the
// signal's 128+n after a stop, or the error's exitCode.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const options = JSON.parse(process.argv[2]);
const dist = join(import.meta.dirname, '..', '..', 'dist', 'pipeline');
const load = (module) => import(pathToFileURL(join(dist, module)).href);
const [{ sendEdition }, { withLock }, { installShutdown }] = await Promise.all([load('send.js'), load('io/lock.js'), load('io/shutdown.js')]);

const say = (line) => process.stdout.write(`${line}\n`);
const shutdown = options.shutdown ? installShutdown({ log: (line) => say(`log ${line}`) }) : undefined;
say('ready');
if (options.waitForGo) {
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdin.destroy(); // a stdin still read from would keep the process alive after the send
}
try {
  const result = await withLock(options.lockDirs, `send-child ${process.pid}`, () =>
    sendEdition({
      outDir: options.outDir,
      editionId: options.editionId,
      mail: options.mail,
      retry: options.retry ?? { attempts: 2, baseDelayMs: 10 },
      effects: { log: (line) => say(`log ${line}`), ...(shutdown ? { stop: shutdown.stop, abort: shutdown.abort } : {}) },
    }),
  );
  say(`result ${JSON.stringify(result)}`);
  process.exitCode = shutdown?.exitCode() ?? 0;
} catch (error) {
  say(`error ${error.name} ${error.message}`);
  process.exitCode = shutdown?.exitCode() ?? error.exitCode ?? 1;
} finally {
  shutdown?.dispose();
}
