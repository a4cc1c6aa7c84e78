import { readFile } from 'node:fs/promises';
import cron, { type Logger, type ScheduledTask } from 'node-cron';
import { ConfigError, errorMessage } from './errors.js';
import { lockPath, tryLock } from './io/lock.js';

/**
 * The long-running scheduler: fires `tick` on a cron schedule in a given time zone, one job at a time.
 *
 *   cron fires ─► already running here? ─yes─► log "skipped (overlap …)"
 *                        │no
 *                 tryLock(lockDir) ─held─► log "skipped (locked by pid … since …)"
 *                        │got it
 *                 tick() under the lock ─► log its outcome, or "failed: <message>" (never thrown)
 *
 * The lock is the same `<lockDir>/.lock` that `npm run report` takes, so a manual run and a scheduled tick never
 * touch data/ or output/ at the same time. Exactly one log line per firing, prefixed with the local time in the
 * schedule's zone (`2026-11-30T08:30:00+01:00 tick 3: …`).
 */

export interface Schedule {
  /** Cron expression, 5 fields (minute first) or 6 (second first). */
  cron: string;
  /** IANA time zone the expression is read in. */
  timezone: string;
}

/** Weekdays at 08:30 Oslo time: SSB publishes at 08:00, so the new figures are out by then. */
export const defaultSchedule: Schedule = { cron: '30 8 * * 1-5', timezone: 'Europe/Oslo' };

export interface TickOutcome {
  kind: 'unchanged' | 'new-edition' | 'sent' | 'skipped';
  /** Free text for the log line: the edition id, what was sent to whom, why it was skipped. */
  detail: string;
  /** When SSB's next release is expected (ISO date), if known. */
  nextRelease?: string;
}

export interface SchedulerOptions extends Schedule {
  /** Folder holding the shared `.lock` (the data/ folder). */
  lockDir: string;
  /** One job: fetch, update, render, send. Runs under the lock; may throw (logged as "failed"). */
  tick: () => Promise<TickOutcome>;
  /** Receives one line per firing, without a trailing newline. */
  log: (line: string) => void;
  /** Run a single tick now instead of scheduling; `done` resolves after it. @default false */
  once?: boolean;
  /** Clock for the log lines' time stamps. @default () => new Date() */
  now?: () => Date;
}

export interface Scheduler {
  /** Stops further ticks and resolves once a running job has finished. Idempotent. */
  stop(): Promise<void>;
  /** Resolves when the scheduler has stopped (after stop(), or after the single tick with `once`). */
  done: Promise<void>;
  /** Firings so far, including skipped and failed ones. */
  readonly ticks: number;
}

/** Throws ConfigError naming the setting, the value and a fix, for a bad cron expression or time zone. */
export function validateSchedule(expression: string, timezone: string): void {
  let problems: string[];
  try {
    const result = cron.validateDetailed(expression);
    problems = result.valid ? [] : result.errors.map((e) => (e.field === 'expression' ? e.message : `${fieldName(e.field)} "${e.value}" is out of range or malformed`));
  } catch (error) {
    problems = [errorMessage(error)];
  }
  if (problems.length > 0) {
    throw new ConfigError(
      `BRIEFING_CRON: "${expression}" is not a valid cron expression (${problems.join('; ')}); e.g. "30 8 * * 1-5" = weekdays 08:30. ` +
        'Fields: [second] minute hour day-of-month month day-of-week.',
      { setting: 'BRIEFING_CRON', value: expression },
    );
  }
  if (!isTimeZone(timezone)) {
    throw new ConfigError(
      `BRIEFING_TIMEZONE: "${timezone}" is not a known IANA time zone; use a name like "Europe/Oslo" or "UTC".`,
      { setting: 'BRIEFING_TIMEZONE', value: timezone },
    );
  }
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  validateSchedule(options.cron, options.timezone);
  const { lockDir, log, timezone } = options;
  const now = options.now ?? (() => new Date());
  const owner = `scheduler (cron "${options.cron}" ${timezone})`;
  let ticks = 0;
  let current: { n: number; job: Promise<void> } | null = null;
  let stopped = false;
  let task: ScheduledTask | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  /** Never rejects: every outcome, including a thrown error, becomes the tick's one log line. */
  async function runTick(n: number, stamp: string): Promise<void> {
    let line: string;
    try {
      const outcome = await tryLock(lockDir, owner, options.tick);
      line = outcome === null ? `skipped (${await describeHolder(lockDir)})` : describeOutcome(outcome);
    } catch (error) {
      line = `failed: ${errorMessage(error)}`;
    }
    log(`${stamp} tick ${n}: ${line}`);
  }

  /** One firing. Our own guard backs up node-cron's noOverlap, so two jobs never run at once. */
  function fire(): Promise<void> {
    if (stopped) return Promise.resolve();
    const n = ++ticks;
    const stamp = localIso(now(), timezone);
    if (current) {
      log(`${stamp} tick ${n}: skipped (overlap: tick ${current.n} is still running)`);
      return current.job;
    }
    const job = runTick(n, stamp).finally(() => {
      current = null;
    });
    current = { n, job };
    return job;
  }

  const stop = async (): Promise<void> => {
    stopped = true;
    await task?.destroy();
    await current?.job;
    resolveDone();
  };

  if (options.once) {
    void fire().then(stop);
  } else {
    // node-cron logs overlaps and missed runs to the console by default; we log them ourselves, in our format.
    const quiet: Logger = { info() {}, debug() {}, warn() {}, error: (message) => log(`${localIso(now(), timezone)} node-cron: ${errorMessage(message)}`) };
    task = cron.schedule(options.cron, () => fire(), { timezone, noOverlap: true, name: owner, logger: quiet });
    task.on('execution:overlap', () => {
      if (stopped) return;
      const n = ++ticks;
      log(`${localIso(now(), timezone)} tick ${n}: skipped (overlap: tick ${current?.n ?? '?'} is still running)`);
    });
    task.on('execution:missed', (context) => {
      log(`${localIso(now(), timezone)} missed the run due at ${localIso(context.date, timezone)} (the process was suspended or blocked); waiting for the next one`);
    });
  }
  return {
    stop,
    done,
    get ticks() {
      return ticks;
    },
  };
}

/**
 * On SIGINT/SIGTERM: log, let the running job finish, then let the process end with exit code 0. Handlers are
 * removed once stopped; a repeated signal while waiting is only logged (SIGKILL still ends it at once).
 * Returns a function that removes the handlers without stopping.
 */
export function installSignalHandlers(scheduler: Scheduler, log: (line: string) => void): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal}: already stopping, waiting for the running job to finish`);
      return;
    }
    stopping = true;
    log(`${signal}: stopping after the running job`);
    scheduler.stop().then(
      () => {
        remove();
        process.exitCode = 0;
        log('stopped');
      },
      (error: unknown) => {
        remove();
        process.exitCode = 1;
        log(`stopping failed: ${errorMessage(error)}`);
      },
    );
  };
  const remove = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return remove;
}

function describeOutcome(outcome: TickOutcome): string {
  const next = outcome.nextRelease ? `; next release ${outcome.nextRelease}` : '';
  const detail = outcome.detail ? ` ${outcome.detail}` : '';
  switch (outcome.kind) {
    case 'new-edition':
      return `new edition${detail}${next}`;
    case 'sent':
      return `sent${detail}${next}`;
    case 'skipped':
      return `skipped (${outcome.detail || 'by the job'})${next}`;
    case 'unchanged':
      return `unchanged${outcome.detail ? ` (${outcome.detail})` : ''}${next}`;
  }
}

/** Who holds the lock, from its file (tryLock only says that it is held). */
async function describeHolder(lockDir: string): Promise<string> {
  try {
    const holder = JSON.parse(await readFile(lockPath(lockDir), 'utf8')) as { pid?: unknown; owner?: unknown; startedAt?: unknown };
    const owner = typeof holder.owner === 'string' ? ` (${holder.owner})` : '';
    return `locked by pid ${String(holder.pid)}${owner} since ${String(holder.startedAt)}`;
  } catch {
    return 'locked by another run, which has just finished or is still writing the lock file';
  }
}

function isTimeZone(timeZone: string): boolean {
  if (!timeZone) return false;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** `2026-11-30T08:30:00+01:00`: the wall-clock time in `timeZone` with its UTC offset, to the second. */
export function localIso(date: Date, timeZone: string): string {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'longOffset',
  });
  const p = Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value]));
  const offset = (p.timeZoneName ?? '').replace(/^GMT/, '') || '+00:00';
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${offset}`;
}

function fieldName(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
