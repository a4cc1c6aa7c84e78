import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { ConfigError } from '../pipeline/errors.js';
import { lockPath, withLock } from '../pipeline/io/lock.js';
import { projectRoot } from '../pipeline/io/paths.js';
import {
  localIso,
  overdueRelease,
  startScheduler,
  validateSchedule,
  type Alert,
  type Scheduler,
  type SchedulerOptions,
  type TickContext,
  type TickOutcome,
} from '../pipeline/schedule.js';
import { resolveIncident, sendAlert } from '../pipeline/send.js';
import { startFaultySmtp } from './support/faulty-smtp.js';
import { testMailConfig } from './support/mail-fixture.js';

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

function start(tick: (context: TickContext) => Promise<TickOutcome>, extra: Partial<SchedulerOptions> = {}) {
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
    expect(() => validateSchedule('30 8 * * 1-5', 'Europe/Oslo')).not.toThrow();
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
    expect(() =>
      start(
        async () => {
          calls++;
          return unchanged;
        },
        { cron: '61 * * * *' },
      ),
    ).toThrow(ConfigError);
    expect(calls).toBe(0);
  });
});

describe('startScheduler', () => {
  it('once: runs exactly one tick at once, logs it with the local time, and resolves done', async () => {
    let calls = 0;
    const { scheduler, lines } = start(
      async () => {
        calls++;
        return { kind: 'new-edition', detail: '2025-nn-abc123', nextRelease: '2026-12-10' };
      },
      {
        once: true,
        now: () => new Date('2026-11-30T07:30:00Z'),
      },
    );
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
      lines = start(async () => {
        calls++;
        return unchanged;
      }).lines;
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

describe('alerts', () => {
  it('a failing tick alerts the admin once per incident (sendAlert with a real SMTP server); a good tick ends the incident', async () => {
    const smtp = await startFaultySmtp({});
    try {
      const mail = testMailConfig(smtp.port);
      const outDir = join(dir, 'out');
      const effects = { log: () => undefined };
      // fail, fail, succeed, fail: two incidents, two mails
      const script = ['fail', 'fail', 'ok', 'fail'];
      let calls = 0;
      const { scheduler, lines } = start(
        async () => {
          if (script[calls++] === 'fail') throw new Error('StatBank answered 503');
          return unchanged;
        },
        {
          alert: (a) => sendAlert({ admin: 'drift@example.no', mail, outDir, ...a, effects }),
          resolve: (incident) => resolveIncident({ outDir, incident, effects }),
        },
      );
      await until(() => calls >= 4 && lines.length >= 4, 8000, 'four ticks');
      await scheduler.stop();
      expect(lines.slice(0, 4).map((l) => l.replace(/^\S+ /, ''))).toEqual([
        'tick 1: failed: StatBank answered 503',
        'tick 2: failed: StatBank answered 503',
        'tick 3: unchanged (no new figures)',
        'tick 4: failed: StatBank answered 503',
      ]);
      await until(() => smtp.received('drift@example.no') >= 2, 3000, 'the second alert');
      expect(smtp.received('drift@example.no')).toBe(2);
      expect((await simpleParser(smtp.messages[0]!.raw)).text).toMatch(/^Tick 1 at .* failed: StatBank answered 503\n/);
    } finally {
      await smtp.close();
    }
  });

  it('an announced release that passed the grace period with no new figures is alerted, keyed by its date', async () => {
    const alerts: Alert[] = [];
    const release = { date: '2026-03-02', figuresChanged: false };
    const { scheduler } = start(async () => ({ ...unchanged, release }), {
      once: true,
      now: () => new Date('2026-03-05T07:30:00Z'),
      alert: async (a) => void alerts.push(a),
      releaseGraceDays: 2,
    });
    await scheduler.done;
    expect(alerts).toEqual([
      expect.objectContaining({ incident: 'release-overdue:2026-03-02', subject: "No new figures 3 days after SSB's announced release of 2026-03-02" }),
    ]);
    expect(overdueRelease(release, new Date('2026-03-04T22:59:00Z'), 'Europe/Oslo', 2)).toBeUndefined(); // 23:59 in Oslo: still day 2
    expect(overdueRelease(release, new Date('2026-03-04T23:00:00Z'), 'Europe/Oslo', 2)).toBe(3);
    expect(overdueRelease({ ...release, figuresChanged: true }, new Date('2026-04-01T12:00:00Z'), 'Europe/Oslo', 2)).toBeUndefined();
  });

  it('survives a log that throws and an alert that rejects', async () => {
    let calls = 0;
    let logged = 0;
    const scheduler = startScheduler({
      cron: everySecond,
      timezone: 'UTC',
      lockDir: dir,
      tick: async () => {
        calls++;
        throw new Error('boom');
      },
      log: () => {
        logged++;
        throw new Error('EPIPE');
      },
      alert: async () => Promise.reject(new Error('SMTP down')),
    });
    running.push(scheduler);
    await until(() => calls >= 2, 4000, 'two ticks');
    expect(logged).toBeGreaterThanOrEqual(2);
  });
});

describe('the tick', () => {
  it('takes the lock of every folder given, and is told to stop when the scheduler stops', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    let held: boolean[] = [];
    let stopSeen = false;
    const { scheduler } = start(
      async (context) => {
        held = [await exists(lockPath(dir)), await exists(lockPath(out))];
        await new Promise<void>((resolve) => context.stop.addEventListener('abort', () => resolve(), { once: true }));
        stopSeen = true;
        return unchanged;
      },
      { lockDir: [dir, out] },
    );
    await until(() => held.length === 2, 3000, 'a tick');
    await scheduler.stop();
    expect(held).toEqual([true, true]);
    expect(stopSeen).toBe(true);
    expect([await exists(lockPath(dir)), await exists(lockPath(out))]).toEqual([false, false]);
  });
});

const exists = (path: string) =>
  readFile(path).then(
    () => true,
    () => false,
  );

it('localIso gives the wall-clock time and offset of the zone', () => {
  expect(localIso(new Date('2026-07-01T06:30:00Z'), 'Europe/Oslo')).toBe('2026-07-01T08:30:00+02:00');
  expect(localIso(new Date('2026-07-01T06:30:00Z'), 'UTC')).toBe('2026-07-01T06:30:00+00:00');
});

/** A scheduler process whose ticks leave an unhandled rejection and an unheard 'error' event: it goes on ticking. */
describe('installFaultGuards', () => {
  it('logs and alerts an unhandled rejection and an uncaught exception, and keeps ticking', async () => {
    const child = spawn(process.execPath, [join(projectRoot, 'test', 'support', 'schedule-fault-child.mjs'), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      await until(() => /tick 4: unchanged/.test(out) || child.exitCode !== null, 10_000, `four ticks (output: ${out})`);
      child.kill('SIGTERM');
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(out).toMatch(/an unhandled rejection \(a bug; the scheduler goes on\): Error: a promise nobody awaited/);
      expect(out).toMatch(/an uncaught exception \(a bug; the scheduler goes on\): Error: an error event nobody listened to/);
      expect(out).toMatch(/alert scheduler-fault:an unhandled rejection:a promise nobody awaited/);
      expect(out).toMatch(/tick 3: unchanged \(job 3\)/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

/** SIGTERM to a real process whose job is running: it lets the job finish, then exits 0. */
describe('installSignalHandlers', () => {
  // Compiled into a folder of its own: the project-wide build may hold other modules mid-edit.
  const build = join(projectRoot, 'dist', '.test-schedule');
  beforeAll(async () => {
    await promisify(execFile)(
      'npx',
      [
        'tsc',
        '--outDir',
        build,
        '--rootDir',
        '.',
        '--module',
        'NodeNext',
        '--moduleResolution',
        'NodeNext',
        '--target',
        'ES2022',
        '--strict',
        '--skipLibCheck',
        '--types',
        'node',
        'pipeline/schedule.ts',
      ],
      { cwd: projectRoot },
    );
  }, 60_000);

  it('SIGTERM during a job: logs, waits for the job (marker written), exits 0', async () => {
    const marker = join(dir, 'marker');
    const child = spawn(process.execPath, [join(projectRoot, 'test', 'support', 'schedule-child.mjs'), build, dir, marker], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
