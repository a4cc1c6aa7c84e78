import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadDataset } from '../../pipeline/store/dataset.js';
import { isProcessAlive } from '../../pipeline/io/lock.js';
import { checkHistoryConsistency, readHistory, reconcileHistory } from '../../pipeline/update.js';
import { describeProcesses, leftovers, markEnv, newMark, watchChromium, type ChromiumWatch } from '../support/chromium.js';
import { startCli } from '../support/cli-process.js';
import { startReplayServer, type ReplayServer } from '../support/replay-server.js';
import { briefingProblems, sha16, tempFiles } from '../support/run-state.js';
import { fetchedDataDir, serveVersion } from '../support/table-versions.js';

/**
 * SIGKILL at seeded random moments across 50 runs of the real CLI against the replay server: 45 `briefing fetch`
 * and 5 `briefing run` (with Chromium). Every run finds a new release of table 10977 (its own `updated` and one
 * changed cell), so the runs really write. Half the kills aim at the writes (after the fetch has its figures, or
 * after the dataset step of `run`), half land anywhere. After every kill:
 *   - data/dataset.json validates, and history.jsonl describes it, or its last batch is the one the kill
 *     interrupted, which the next update drops (checked on a copy: reconcileHistory leaves it consistent);
 *   - a lock left behind is whole and names a dead process, and the next run takes it over (no exit 9);
 *   - output/ holds no half-written briefing or edition;
 *   - no Chromium process of ours is left (the run's group is killed; Chromium, in its own session, must go by itself).
 */

const runs = 50;
let server: ReplayServer;
let work: string;
let dataDir: string;
let outDir: string;
let watch: ChromiumWatch;
const mark = newMark();

beforeAll(async () => {
  server = await startReplayServer({ rateLimit: 10_000 });
  work = await mkdtemp(join(tmpdir(), 'briefing-kill-runs-'));
  dataDir = await fetchedDataDir(join(work, 'data'), server);
  outDir = join(work, 'out');
  watch = watchChromium(mark);
}, 60_000);
afterAll(async () => {
  await watch?.stop();
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

const env = () => ({ SSB_API_URL: server.v2Url, SSB_RETRY_BUDGET_MS: '2000', SSB_TIMEOUT_MS: '5000', ...markEnv(mark) });
const start = (command: 'run' | 'fetch') => startCli([command, '--data', dataDir, '--out', outDir], { env: env() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One uninterrupted run: it must succeed; returns its total time and the time after `from` was printed (ms). */
async function timedRun(command: 'run' | 'fetch', from: RegExp): Promise<{ total: number; after: number }> {
  const started = performance.now();
  const cli = start(command);
  await cli.waitFor(from);
  const reached = performance.now();
  const { code } = await cli.exited;
  expect(code, cli.stderr()).toBe(0);
  return { total: performance.now() - started, after: performance.now() - reached };
}

/** The state every kill must leave; returns what it saw, for the summary. */
async function expectRecoverable(round: number): Promise<{ interrupted: boolean; staleLock: boolean; temps: number }> {
  const where = `after round ${round}`;
  const text = await readFile(join(dataDir, 'dataset.json'), 'utf8');
  await loadDataset(join(dataDir, 'dataset.json')); // throws a DatasetError if it doesn't validate
  const problems = await checkHistoryConsistency(dataDir);
  const interrupted = problems.length > 0;
  if (interrupted) {
    expect(problems, where).toEqual([expect.stringMatching(/was written but dataset\.json was not \(an interrupted update\); the next update drops it/)]);
    expect((await readHistory(dataDir)).at(-1)!.previous, where).toBe(sha16(text));
    const copy = join(work, `reconcile-${round}`);
    await cp(dataDir, copy, { recursive: true });
    expect(await reconcileHistory(copy), where).toBe(1);
    expect(await checkHistoryConsistency(copy), where).toEqual([]);
    await rm(copy, { recursive: true });
  }
  const lock = await readFile(join(dataDir, '.lock'), 'utf8').catch(() => null);
  if (lock !== null) {
    const holder = JSON.parse(lock) as { pid: number }; // whole: never an empty or half-written lock
    expect(isProcessAlive(holder.pid), `${where}: the lock names pid ${holder.pid}, which is alive`).toBe(false);
  }
  expect(await briefingProblems(outDir), where).toEqual([]);
  return { interrupted, staleLock: lock !== null, temps: (await tempFiles(dataDir)).length + (await tempFiles(outDir)).length };
}

test(`SIGKILL at random moments across ${runs} runs: data/ validates, history reconciles, no stale lock, no half-written briefing, no Chromium left`, async () => {
  let seed = 20251201;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let version = 0;

  // Calibration, uninterrupted: a build (also the briefing later kills must not damage) and a fetch that writes.
  serveVersion(server, ++version);
  const build = await timedRun('run', /^✓ dataset /m);
  serveVersion(server, ++version);
  const fetch = await timedRun('fetch', /^StatBank 10977: fetched /m);

  const stats = { killed: 0, finished: 0, interrupted: 0, staleLocks: 0, temps: 0, chromiumChecks: 0 };
  for (let round = 1; round <= runs; round++) {
    const command = round % 10 === 0 ? 'run' : 'fetch';
    serveVersion(server, ++version);
    const cli = start(command);
    if (round % 2 === 0) {
      // Aimed at the writes: from the moment the figures are in (fetch) or the dataset is read (run).
      const reached = await cli.waitFor(command === 'run' ? /^✓ dataset /m : /^StatBank 10977: fetched /m).then(() => true, () => false);
      if (reached) await sleep(random() * (command === 'run' ? build.after : fetch.after));
    } else {
      // Anywhere after the first fifth (before that, Node is still loading modules and nothing can be written).
      await sleep((0.2 + 0.8 * random()) * (command === 'run' ? build.total : fetch.total));
    }
    cli.killGroup();
    const { code, signal } = await cli.exited;
    if (signal === 'SIGKILL') stats.killed++;
    else {
      expect(code, `round ${round} (${command}) ended by itself: ${cli.stderr()}`).toBe(0); // never 9: a dead run's lock is taken over
      stats.finished++;
    }
    const seen = await expectRecoverable(round);
    stats.interrupted += Number(seen.interrupted);
    stats.staleLocks += Number(seen.staleLock);
    stats.temps += seen.temps;
    if (command === 'run') {
      stats.chromiumChecks++;
      const left = await leftovers(mark, watch.sessions, 10_000);
      expect(left, `round ${round}: Chromium left behind: ${describeProcesses(left)}`).toEqual([]);
    }
  }
  console.log(`SIGKILL across ${runs} runs:`, stats, `calibration: run ${Math.round(build.total)} ms, fetch ${Math.round(fetch.total)} ms`);
  // Most runs were killed, and kills landed while a run held the lock (its work), not only while Node was starting.
  expect(stats.killed).toBeGreaterThan(runs * 0.3);
  expect(stats.staleLocks).toBeGreaterThan(0);

  // The next runs, uninterrupted, take over whatever was left and end consistent and clean.
  serveVersion(server, ++version);
  await timedRun('fetch', /^StatBank 10977: fetched /m);
  expect(await checkHistoryConsistency(dataDir)).toEqual([]);
  const dataset = await loadDataset(join(dataDir, 'dataset.json'));
  const history = await readHistory(dataDir);
  expect(dataset.tables['10977']!.updated).toBe(history.at(-1)!.updated);
  expect(await tempFiles(dataDir)).toEqual([]);
  await timedRun('run', /^✓ dataset /m);
  expect(await briefingProblems(outDir)).toEqual([]);
  expect(await tempFiles(outDir)).toEqual([]);
  const left = await watch.stop();
  expect(left, `Chromium left behind: ${describeProcesses(left)}`).toEqual([]);
}, 240_000);

test('a run killed while creating the lock leaves at most its temp file, never an empty lock: the next run goes ahead and clears it', async () => {
  // What lock.ts leaves if killed between writing its temp file and linking it into place: a dead pid's temp file.
  const dead = startCli(['help']);
  const { code } = await dead.exited;
  expect(code).toBe(0);
  const temp = `.lock.${dead.child.pid}.0badc0de.tmp`;
  await writeFile(join(dataDir, temp), '{"pid":');
  serveVersion(server, 1000);
  const cli = start('fetch');
  const ended = await cli.exited;
  expect(ended.code, cli.stderr()).toBe(0);
  expect(await readdir(dataDir)).not.toContain(temp);
  expect(await readdir(dataDir)).not.toContain('.lock');
}, 60_000);
