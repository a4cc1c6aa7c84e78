import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { isProcessAlive } from '../../pipeline/io/atomic.js';
import { loadFolder } from '../support/briefing-text.js';
import { describeProcesses, leftovers, markEnv, newMark, watchChromium, type ChromiumWatch } from '../support/chromium.js';
import { startCli } from '../support/cli-process.js';
import { copyBriefing } from '../support/data-folder.js';
import { briefingProblems, dataState, tempFiles } from '../support/run-state.js';
import { startStandin, type Standin } from '../support/standin.js';

/**
 * `briefing run` (the compiled CLI) killed while it writes the data folder, at seeded random moments, against the
 * stand-in on 127.0.0.1. Every round StatBank has a new release of table 10977 (a new `updated`), so every run really
 * fetches and writes data/ (raw answers, history, dataset); every 4th round is `--force`, which also rebuilds and
 * re-archives the edition with Chromium. Half the SIGKILLs aim at the update stage (from the moment the fetch has its
 * figures), the others land anywhere; some rounds get a SIGTERM instead, which lets the run finish its work. After
 * every round:
 *   - data/ is a valid dataset that its history describes, or the history's last batch is the one a kill interrupted
 *     (written before dataset.json was), which the next update drops;
 *   - a lock left behind is whole and names a dead process, and the next run takes it over (never exit 9);
 *   - the output folder holds no half-written briefing or edition;
 *   - no Chromium process of ours is left.
 * At the end, an uninterrupted run succeeds and leaves everything consistent and clean.
 */

const rounds = 12;
let standin: Standin;
let work: string;
let data: string;
let out: string;
let watch: ChromiumWatch;
let release = 0;
const mark = newMark();

beforeAll(async () => {
  standin = await startStandin({ asOf: 2026, rateLimit: 10_000 });
  work = await mkdtemp(join(tmpdir(), 'briefing-kill-runs-'));
  data = await copyBriefing('sosiale-medium', join(work, 'data'));
  out = join(work, 'out');
  watch = watchChromium(mark);
});
afterAll(async () => {
  await watch?.stop();
  await standin?.close();
  await rm(work, { recursive: true, force: true });
});

/** A new release of 10977 at StatBank: the next run fetches it and writes data/. */
function newRelease(): string {
  const updated = new Date(Date.UTC(2026, 9, 1, 6) + ++release * 86_400_000).toISOString().replace('.000Z', 'Z');
  standin.update('10977', { updated });
  return updated;
}

const start = (...extra: string[]) =>
  startCli(['run', '--data', data, '--out', out, ...extra], {
    env: { SSB_API_URL: standin.v2Url, SSB_RETRY_BUDGET_MS: '300', SSB_TIMEOUT_MS: '5000', ...markEnv(mark) },
  });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fetched = /^✓ fetch fetched \d+ ms$/m;

/** One uninterrupted run: it must succeed; its total time and its update stage's (ms). */
async function timedRun(...extra: string[]): Promise<{ total: number; update: number }> {
  const started = performance.now();
  const cli = start(...extra);
  const { code } = await cli.exited;
  expect(code, cli.stdout()).toBe(0);
  return { total: performance.now() - started, update: Number(/^✓ update .* (\d+) ms$/m.exec(cli.stdout())?.[1]) };
}

/** The state every round must leave; what it saw, for the summary. */
async function expectRecoverable(round: string): Promise<{ interrupted: boolean; staleLock: boolean }> {
  const state = await dataState(data);
  expect(state.problems, round).toEqual([]);
  let staleLock = false;
  for (const dir of [data, out]) {
    const lock = await readFile(join(dir, '.lock'), 'utf8').catch(() => null);
    if (lock === null) continue;
    staleLock = true;
    const holder = JSON.parse(lock) as { pid: number }; // whole: never an empty or half-written lock
    expect(isProcessAlive(holder.pid), `${round}: ${dir}/.lock names pid ${holder.pid}, which is alive`).toBe(false);
  }
  expect(await briefingProblems(out), round).toEqual([]);
  return { interrupted: state.interrupted, staleLock };
}

test(`SIGKILL and SIGTERM at random moments across ${rounds} runs that write data/: it stays a valid dataset; the next run goes on`, async () => {
  let seed = 20261206;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

  // Calibration, uninterrupted: the first contact (fetch, build) and a run that fetches one new release.
  newRelease();
  await timedRun();
  newRelease();
  const calm = await timedRun();
  newRelease();
  const forced = await timedRun('--force');
  expect(calm.update).toBeGreaterThan(0);

  const stats = { killed: 0, duringUpdate: 0, terminated: 0, finished: 0, interrupted: 0, staleLocks: 0, chromiumChecks: 0 };
  for (let round = 1; round <= rounds; round++) {
    const force = round % 4 === 0;
    const where = `round ${round}${force ? ' (--force)' : ''}`;
    newRelease();
    const cli = start(...(force ? ['--force'] : []));
    if (round % 5 === 0) {
      // SIGTERM while the update writes: the run finishes what it does, releases its lock and exits 143.
      await cli.waitFor(fetched).catch(() => undefined);
      cli.signal('SIGTERM');
      const { code, signal } = await cli.exited;
      expect(signal, `${where}: ${cli.stdout()}`).toBeNull();
      expect([0, 143], `${where}: ${cli.stdout()}`).toContain(code);
      stats.terminated++;
      const seen = await expectRecoverable(where);
      expect(seen, `${where}: a run stopped by SIGTERM finishes its writes and releases its lock`).toEqual({ interrupted: false, staleLock: false });
      continue;
    }
    if (round % 2 === 0) {
      // Aimed at the writes: from the moment the fetch has its figures, within the time the update took calmly.
      const reached = await cli.waitFor(fetched).then(
        () => true,
        () => false,
      );
      if (reached) await sleep(random() * calm.update * 1.5);
    } else {
      // Anywhere after the first fifth (before that, Node is still loading and nothing can be written).
      await sleep((0.2 + 0.8 * random()) * (force ? forced.total : calm.total));
    }
    cli.killGroup();
    const { code, signal } = await cli.exited;
    if (signal === 'SIGKILL') {
      stats.killed++;
      // Killed after the fetch had its figures and before the update said it was done: while it wrote data/.
      if (fetched.test(cli.stdout()) && !/^✓ update /m.test(cli.stdout())) stats.duringUpdate++;
    } else {
      expect(code, `${where} ended by itself: ${cli.stdout()}`).toBe(0); // never 9: a dead run's lock is taken over
      stats.finished++;
    }
    const seen = await expectRecoverable(where);
    stats.interrupted += Number(seen.interrupted);
    stats.staleLocks += Number(seen.staleLock);
    if (force) {
      stats.chromiumChecks++;
      const left = await leftovers(mark, watch.sessions, 10_000);
      expect(left, `${where}: Chromium left behind: ${describeProcesses(left)}`).toEqual([]);
    }
  }
  console.log(
    `kills across ${rounds} runs:`,
    stats,
    `calibration: run ${Math.round(calm.total)} ms (update ${calm.update} ms), --force ${Math.round(forced.total)} ms`,
  );
  // Most runs were killed, and kills landed while a run held the lock (its work), not only while Node was starting.
  expect(stats.killed).toBeGreaterThan(rounds * 0.3);
  expect(stats.staleLocks).toBeGreaterThan(0);
  expect(stats.duringUpdate).toBeGreaterThan(0);

  // The next run, uninterrupted, takes over whatever was left and ends consistent and clean.
  const last = newRelease();
  await timedRun('--force');
  const state = await dataState(data);
  expect(state).toMatchObject({ problems: [], interrupted: false });
  expect(loadFolder(data).dataset.tables['10977']!.updated).toBe(last);
  expect(await tempFiles(data)).toEqual([]);
  expect((await readdir(join(data, 'raw'))).sort()).toEqual(['10977', '10978', '14933']); // no staging folder left
  expect(await briefingProblems(out)).toEqual([]);
  expect(await tempFiles(out)).toEqual([]);
  expect(await readdir(data)).not.toContain('.lock');
  expect(await readdir(out)).not.toContain('.lock');
  const left = await watch.stop();
  expect(left, `Chromium left behind: ${describeProcesses(left)}`).toEqual([]);
}, 240_000);

test('a run killed while creating its lock leaves at most its temp file, never an empty lock: the next run goes on and clears it', async () => {
  // What lock.ts leaves if killed between writing its temp file and linking it into place: a dead pid's temp file.
  const dead = spawnSync(process.execPath, ['-e', '0']).pid;
  const temp = `.lock.${dead}.0badc0de.tmp`;
  await writeFile(join(data, temp), '{"pid":');
  newRelease();
  const cli = start();
  const { code } = await cli.exited;
  expect(code, cli.stdout()).toBe(0);
  expect(cli.stdout()).toMatch(/^✓ update 10977: /m);
  expect(await readdir(data)).not.toContain(temp);
  expect(await readdir(data)).not.toContain('.lock');
}, 60_000);
