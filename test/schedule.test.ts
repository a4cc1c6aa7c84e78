import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../pipeline/errors.js';
import { withLock } from '../pipeline/io/lock.js';
import { projectRoot } from '../pipeline/io/paths.js';
import { defaultSchedule, localIso, startScheduler, validateSchedule, type Scheduler, type TickOutcome } from '../pipeline/schedule.js';

/**
 * The scheduler against real node-cron timers (every second), the real lock file and, for signals, a real child
 * process. Waits are "until a condition, at most N seconds", so a slow machine only makes them slower.
 */

const everySecond = '* * * * * *';
let dir: string;
const running: Scheduler[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ssb-schedule-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  await rm(dir, { recursive: true, force: true });
});

function start(tick: () => Promise<TickOutcome>, extra: { once?: boolean; cron?: string; now?: () => Date } = {}) {
  const lines: string[] = [];
  const scheduler = startScheduler({ cron: everySecond, timezone: 'Europe/Oslo', lockDir: dir, tick, log: (l) => lines.push(l), ...extra });
  running.push(scheduler);
  return { scheduler, lines };
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

const unchanged: TickOutcome = { kind: 'unchanged', detail: 'no new figures' };

describe('validateSchedule', () => {
  it('accepts the default schedule and six-field expressions', () => {
    expect(() => validateSchedule(defaultSchedule.cron, defaultSchedule.timezone)).not.toThrow();
    expect(() => validateSchedule('*/10 * * * * *', 'UTC')).not.toThrow();
  });

  it('rejects a bad cron expression, naming the setting, the value and an example', () => {
    for (const bad of ['61 * * * *', 'every day', '* * *']) {
      const error = (() => {
        try {
          validateSchedule(bad, 'Europe/Oslo');
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(`BRIEFING_CRON: "${bad}" is not a valid cron expression`);
      expect((error as Error).message).toContain('e.g. "30 8 * * 1-5" = weekdays 08:30');
    }
    expect(() => validateSchedule('61 * * * *', 'UTC')).toThrow(/minute "61"/);
  });

  it('rejects an unknown time zone', () => {
    expect(() => validateSchedule('30 8 * * 1-5', 'Europe/Olso')).toThrow(ConfigError);
    expect(() => validateSchedule('30 8 * * 1-5', 'Europe/Olso')).toThrow('BRIEFING_TIMEZONE: "Europe/Olso" is not a known IANA time zone');
    expect(() => validateSchedule('30 8 * * 1-5', '')).toThrow(/BRIEFING_TIMEZONE/);
  });

  it('makes startScheduler fail before anything runs', () => {
    let calls = 0;
    expect(() => start(async () => (calls++, unchanged), { cron: '61 * * * *' })).toThrow(ConfigError);
    expect(calls).toBe(0);
  });
});

describe('startScheduler', () => {
  it('once: runs exactly one tick at once, logs it with the local time, and resolves done', async () => {
    let calls = 0;
    const { scheduler, lines } = start(async () => (calls++, { kind: 'new-edition', detail: '2025-nn-abc123', nextRelease: '2026-12-10' }), {
      once: true,
      now: () => new Date('2026-11-30T07:30:00Z'),
    });
    await scheduler.done;
    await sleep(1300); // an every-second cron would have fired by now
    expect(calls).toBe(1);
    expect(scheduler.ticks).toBe(1);
    expect(lines).toEqual(['2026-11-30T08:30:00+01:00 tick 1: new edition 2025-nn-abc123; next release 2026-12-10']);
  });

  it('fires on the cron schedule, one log line per tick', async () => {
    const { scheduler, lines } = start(async () => unchanged);
    await until(() => lines.length >= 2, 3500, 'two ticks');
    await scheduler.stop();
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00 tick 1: unchanged \(no new figures\)$/);
    expect(lines[1]).toMatch(/ tick 2: unchanged/);
    const after = lines.length;
    await sleep(1200);
    expect(lines.length).toBe(after); // stopped means stopped
  });

  it('never runs a slow job twice at once: the overlapping tick is logged as skipped; stop waits for the job', async () => {
    let active = 0;
    let maxActive = 0;
    let finished = 0;
    const { scheduler, lines } = start(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(1500);
      active--;
      finished++;
      return unchanged;
    });
    await until(() => lines.some((l) => l.includes('skipped (overlap')), 4000, 'an overlap');
    await until(() => active === 1, 3000, 'a running job');
    await scheduler.stop();
    expect(active).toBe(0); // stop() resolved only after the running job finished
    expect(maxActive).toBe(1);
    expect(finished).toBeGreaterThanOrEqual(1);
    expect(lines.find((l) => l.includes('overlap'))).toMatch(/tick \d+: skipped \(overlap: tick \d+ is still running\)$/);
  });

  it('skips a tick while a manual run holds the lock, naming the holder, and runs again once it is released', async () => {
    let calls = 0;
    let lines: string[] = [];
    await withLock(dir, 'manual run', async () => {
      lines = start(async () => (calls++, unchanged)).lines;
      await until(() => lines.length >= 1, 3000, 'a tick');
    });
    expect(calls).toBe(0);
    expect(lines[0]).toMatch(new RegExp(`tick 1: skipped \\(locked by pid ${process.pid} \\(manual run\\) since \\d{4}-\\d\\d-\\d\\dT`));
    await until(() => calls >= 1, 3000, 'a tick after the lock was released');
  });

  it('logs a failing tick and keeps ticking', async () => {
    let calls = 0;
    const { lines } = start(async () => {
      if (++calls === 1) throw new Error('StatBank answered 503');
      return unchanged;
    });
    await until(() => lines.length >= 2, 4000, 'two ticks');
    expect(lines[0]).toMatch(/ tick 1: failed: StatBank answered 503$/);
    expect(lines[1]).toMatch(/ tick 2: unchanged/);
  });
});

it('localIso gives the wall-clock time and offset of the zone', () => {
  expect(localIso(new Date('2026-07-01T06:30:00Z'), 'Europe/Oslo')).toBe('2026-07-01T08:30:00+02:00');
  expect(localIso(new Date('2026-07-01T06:30:00Z'), 'UTC')).toBe('2026-07-01T06:30:00+00:00');
});

/** SIGTERM to a real process whose job is running: it lets the job finish, then exits 0. */
describe('installSignalHandlers', () => {
  // Compiled into a folder of its own: the project-wide build may hold other modules mid-edit.
  const build = join(projectRoot, 'dist', '.test-schedule');
  beforeAll(async () => {
    await promisify(execFile)('npx', ['tsc', '--outDir', build, '--rootDir', '.', '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
      '--target', 'ES2022', '--strict', '--skipLibCheck', '--types', 'node', 'pipeline/schedule.ts'], { cwd: projectRoot });
  }, 60_000);

  it('SIGTERM during a job: logs, waits for the job (marker written), exits 0', async () => {
    const marker = join(dir, 'marker');
    const child = spawn(process.execPath, [join(projectRoot, 'test', 'support', 'schedule-child.mjs'), build, dir, marker], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      await until(() => out.includes('job started 1') || child.exitCode !== null, 8000, `the child's job to start (stdout: ${out}, stderr: ${err})`);
      child.kill('SIGTERM');
      const result = await exited;
      expect({ ...result, err }).toEqual({ code: 0, signal: null, err: '' });
      expect(await readFile(marker, 'utf8')).toBe('job 1 finished\n');
      expect(out).toMatch(/SIGTERM: stopping after the running job\njob finished 1\n.*tick 1: new edition test-1\nstopped\n$/);
      expect(out).not.toContain('job started 2');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
