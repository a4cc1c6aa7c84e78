import cron, { type CronFieldError, type Logger, type ScheduledTask } from 'node-cron';
import { ConfigError, errorMessage, LockError } from './errors.js';
import { withLock } from './io/lock.js';
import { onSignals, quietLog, type Shutdown } from './io/shutdown.js';

/**
 * The long-running scheduler: `tick` on a cron schedule, one job at a time, under the `.lock` files `briefing run` takes;
 * one log line per firing. Nothing a tick does can end the scheduler, since a scheduler that has died alerts nobody.
 */

export interface TickOutcome {
  kind: 'unchanged' | 'new-edition' | 'sent';
  /** Free text for the log line: the edition id, what was sent to whom. */
  detail: string;
  /** When SSB's next release is expected (ISO date), if known. */
  nextRelease?: string;
  /** The latest announced release due by now, and whether the figures changed since (else, past the grace period, an alert). */
  release?: { date: string; figuresChanged: boolean };
}

/** The signals a job gets, as from installShutdown: `stop` (start nothing new), then `abort` (abandon the message on the wire). */
export type TickContext = Pick<Shutdown, 'stop' | 'abort'>;

/** One alert for a person; `incident` is stable while the problem lasts, so it is mailed once. */
export type Alert = { incident: string; subject: string; text: string };

export interface SchedulerOptions {
  /** Cron expression, 5 fields (minute first) or 6 (second first), read in the IANA `timezone`. */
  cron: string;
  timezone: string;
  /** Folders whose `.lock` a tick takes (the data and output folders). */
  lockDir: string | readonly string[];
  /** One job under the lock; may throw (logged as "failed"). */
  tick: (context: TickContext) => Promise<TickOutcome>;
  /** One line per firing; a log that throws is ignored. Alerts and resolves may reject (logged). */
  log: (line: string) => void;
  alert?: (alert: Alert) => Promise<unknown>;
  resolve?: (incident: string) => Promise<unknown>;
  /** Days after an announced release without new figures before the admin is alerted (2). */
  releaseGraceDays?: number;
  /** Run a single tick now instead of scheduling; `done` resolves after it. */
  once?: boolean;
  now?: () => Date;
}

export type Scheduler = ReturnType<typeof startScheduler>;

/** Throws ConfigError naming the setting, the value and a fix, for a bad cron expression or time zone. */
export function validateSchedule(expression: string, timezone: string): void {
  const invalid = (setting: string, value: string, problem: string) => new ConfigError(`${setting}: "${value}" ${problem}`, { setting, value });
  let problems: string[];
  try {
    const result = cron.validateDetailed(expression);
    const describe = (e: CronFieldError) =>
      e.field === 'expression' ? e.message : `${e.field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} "${e.value}" is out of range or malformed`;
    problems = result.valid ? [] : result.errors.map(describe);
  } catch (error) {
    problems = [errorMessage(error)];
  }
  const example = 'e.g. "30 8 * * 1-5" = weekdays 08:30. Fields: [second] minute hour day-of-month month day-of-week.';
  if (problems.length > 0) throw invalid('BRIEFING_CRON', expression, `is not a valid cron expression (${problems.join('; ')}); ${example}`);
  try {
    if (!timezone) throw new RangeError('no time zone');
    new Intl.DateTimeFormat(undefined, { timeZone: timezone });
  } catch {
    throw invalid('BRIEFING_TIMEZONE', timezone, 'is not a known IANA time zone; use a name like "Europe/Oslo" or "UTC".');
  }
}

export function startScheduler(options: SchedulerOptions) {
  validateSchedule(options.cron, options.timezone);
  const { lockDir, timezone, releaseGraceDays: graceDays = 2, now = () => new Date() } = options;
  const log = quietLog(options.log);
  const guarded = (what: string, fn: () => Promise<unknown> | undefined) =>
    Promise.resolve()
      .then(fn)
      .catch((error: unknown) => log(`${what}: ${errorMessage(error)}`));
  const alert = (a: Alert) => guarded(`alert [${a.incident}] could not be given`, () => options.alert?.(a));
  const stamp = () => localIso(now(), timezone);
  const stopping = new AbortController();
  const aborting = new AbortController();
  const context: TickContext = { stop: stopping.signal, abort: aborting.signal };
  const owner = `scheduler (cron "${options.cron}" ${timezone})`;
  let ticks = 0;
  let current: { n: number; job: Promise<void> } | null = null;
  let task: ScheduledTask | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  async function failed(n: number, at: string, error: unknown): Promise<void> {
    log(`${at} tick ${n}: failed: ${errorMessage(error)}`);
    await alert({
      incident: 'tick-failed',
      subject: 'The scheduled briefing run failed',
      text:
        `Tick ${n} at ${at} (cron "${options.cron}" ${timezone}) failed: ${errorMessage(error)}\n\n` +
        'Later ticks keep trying; you are mailed again only after a tick has succeeded and a new failure begins.',
    });
  }

  async function succeeded(n: number, at: string, outcome: TickOutcome): Promise<void> {
    log(`${at} tick ${n}: ${describeOutcome(outcome)}`);
    await guarded('incident [tick-failed] could not be closed', () => options.resolve?.('tick-failed'));
    const { release } = outcome;
    const overdue = release && overdueRelease(release, now(), timezone, graceDays);
    if (release && overdue) {
      await alert({
        incident: `release-overdue:${release.date}`,
        subject: `No new figures ${overdue} days after SSB's announced release of ${release.date}`,
        text:
          `SSB's release calendar announced new figures for ${release.date}; ${overdue} days later (grace ${graceDays} days) ` +
          'the scheduled runs have found no change in the tables. The release may have been postponed, or the tables moved or renamed: ' +
          "check the statistic's page and `briefing inspect <table>`.",
      });
    }
  }

  /** Never rejects: every outcome becomes the tick's one log line. */
  async function runTick(n: number, at: string): Promise<void> {
    // Logged and alerted under the lock: the alerts' record lives in the output folder, which only the lock holder writes.
    const job = () =>
      options.tick(context).then(
        (outcome) => succeeded(n, at, outcome),
        (error: unknown) => failed(n, at, error),
      );
    try {
      await withLock(lockDir, owner, job);
    } catch (error) {
      // job never rejects: this is about the lock. A held one skips the tick; a folder missing or read-only fails it.
      if (!(error instanceof LockError)) return failed(n, at, error);
      const { pid, owner: holder, startedAt } = error.context;
      const by = pid ? `pid ${pid} (${holder}) since ${startedAt}` : 'another run, which has just finished or is still writing the lock file';
      log(`${at} tick ${n}: skipped (locked by ${by})`);
    }
  }

  /** One firing; node-cron's noOverlap keeps a second from starting while a job runs (it waits for the promise). */
  function fire(): Promise<void> {
    if (stopping.signal.aborted) return Promise.resolve();
    const n = ++ticks;
    const job = runTick(n, stamp()).finally(() => {
      current = null;
    });
    current = { n, job };
    return job;
  }

  const stop = async (): Promise<void> => {
    stopping.abort(new Error('the scheduler is stopping'));
    await task?.destroy();
    await current?.job;
    resolveDone();
  };

  if (options.once) {
    void fire().then(stop);
  } else {
    // node-cron logs overlaps and missed runs to the console by default; we log them ourselves, in our format.
    const quiet: Logger = { info() {}, debug() {}, warn() {}, error: (message) => log(`${stamp()} node-cron: ${errorMessage(message)}`) };
    task = cron.schedule(options.cron, () => fire(), { timezone, noOverlap: true, name: owner, logger: quiet });
    task.on('execution:overlap', () => {
      if (stopping.signal.aborted) return;
      const n = ++ticks;
      log(`${stamp()} tick ${n}: skipped (overlap: tick ${current?.n ?? '?'} is still running)`);
    });
    task.on('execution:missed', (context) => {
      log(`${stamp()} missed the run due at ${localIso(context.date, timezone)} (the process was suspended or blocked); waiting for the next one`);
    });
  }
  return {
    /** Stops further ticks, tells a running job to stop (TickContext.stop) and resolves once it has finished. Idempotent. */
    stop,
    /** Tells a running job to abandon the message on the wire (TickContext.abort). */
    abort: () => aborting.abort(new Error('the scheduler was asked to stop at once')),
    /** Resolves when the scheduler has stopped (after stop(), or after the single tick with `once`). */
    done,
    /** Firings so far, including skipped and failed ones. */
    get ticks() {
      return ticks;
    },
  };
}

/** SIGINT/SIGTERM: stop after the running job, then exit 0; a second signal abandons the message on the wire. Returns a remover. */
export function installSignalHandlers(scheduler: Scheduler, log: (line: string) => void): () => void {
  const stopped = (exitCode: number, line: string) => {
    remove();
    process.exitCode = exitCode;
    log(line);
  };
  const remove = onSignals([
    (signal) => {
      log(`${signal}: stopping after the running job`);
      scheduler.stop().then(
        () => stopped(0, 'stopped'),
        (error: unknown) => stopped(1, `stopping failed: ${errorMessage(error)}`),
      );
    },
    (signal) => {
      log(`${signal}: already stopping; abandoning the message on the wire, then waiting for the running job to finish`);
      scheduler.abort();
    },
  ]);
  return remove;
}

function describeOutcome({ kind, detail, nextRelease }: TickOutcome): string {
  const next = nextRelease ? `; next release ${nextRelease}` : '';
  if (kind === 'unchanged') return `unchanged${detail ? ` (${detail})` : ''}${next}`;
  return `${kind === 'sent' ? 'sent' : 'new edition'}${detail ? ` ${detail}` : ''}${next}`;
}

/**
 * An unhandled rejection or uncaught exception is logged and alerted instead of ending the process: every tick starts
 * afresh (lock, connections, state from disk), so going on is safer than a scheduler that silently stops. Returns a remover.
 */
export function installFaultGuards(log: (line: string) => void, alert?: (alert: Alert) => Promise<unknown>): () => void {
  const report = (kind: string) => (error: unknown) => {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    quietLog(log)(`${kind} (a bug; the scheduler goes on): ${text}`);
    const incident = `scheduler-fault:${kind}:${errorMessage(error).slice(0, 80)}`;
    void alert?.({ incident, subject: `The briefing scheduler hit ${kind}`, text }).catch(() => undefined);
  };
  const onRejection = report('an unhandled rejection');
  const onException = report('an uncaught exception');
  process.on('unhandledRejection', onRejection).on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection).off('uncaughtException', onException);
  };
}

/** Whole days (in the schedule's zone) since an announced release, when past `graceDays` without new figures. */
export function overdueRelease(release: { date: string; figuresChanged: boolean }, now: Date, timezone: string, graceDays: number): number | undefined {
  if (release.figuresChanged || !/^\d{4}-\d{2}-\d{2}/.test(release.date)) return undefined;
  const today = localIso(now, timezone).slice(0, 10);
  const days = Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${release.date.slice(0, 10)}T00:00:00Z`)) / 86_400_000);
  return days > graceDays ? days : undefined;
}

/** `2026-11-30T08:30:00+01:00`: the wall-clock time in `timeZone` with its UTC offset, to the second. */
export function localIso(date: Date, timeZone: string): string {
  // Intl gives the zone's offset at that moment ("GMT+01:00", "GMT" for UTC); the time shifted by it, in ISO, is the wall clock.
  const zone = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(date).find((p) => p.type === 'timeZoneName');
  const offset = zone?.value.replace(/^GMT/, '') || '+00:00';
  const [, sign, hours, minutes] = /^([+-])(\d\d):(\d\d)/.exec(offset) ?? [];
  const shift = (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes)) * 60_000;
  return `${new Date(date.getTime() + shift).toISOString().slice(0, 19)}${offset}`;
}
