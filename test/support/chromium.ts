import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';

/**
 * Find the Chromium processes a test started, to prove none is left behind. Linux only (reads /proc).
 *
 * A test puts a unique mark in the environment of what it starts (`markEnv(mark)` for a CLI child, or
 * `process.env[MARK_VAR]` for an in-process launch; Puppeteer passes the environment on). Chromium's main process and
 * its crash handler keep that environment; its zygotes and renderers overwrite theirs (setproctitle) but stay in the
 * main process's session, since Puppeteer starts it detached (setsid). So a watch samples /proc while the test runs,
 * remembers the session of every marked process, and at the end lists the live processes that carry the mark or
 * belong to one of those sessions. Zombies don't count: they hold no memory and their parent reaps them.
 */

export const MARK_VAR = 'BRIEFING_TEST_CHROMIUM_MARK';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** One letter, as in `ps`: R, S, D, T (stopped), Z (zombie), … */
  state: string;
  comm: string;
  /** Start time in clock ticks since boot: with the pid, tells a process from a later one given the same pid. */
  started: number;
}

export function newMark(): string {
  return randomUUID();
}

export function markEnv(mark: string): NodeJS.ProcessEnv {
  return { [MARK_VAR]: mark };
}

export interface ChromiumWatch {
  /** The browsers (or would-be browsers) started under the mark so far, Puppeteer's detached session leaders: pid ─► comm. */
  readonly launched: ReadonlyMap<number, string>;
  /** Their sessions, and those of the processes they started on their own (Chromium's crash handler). */
  readonly sessions: ReadonlySet<number>;
  /** Sample once more, stop sampling, and return the processes still alive under the mark. */
  stop(): Promise<ProcessInfo[]>;
}

/** Start sampling /proc every `intervalMs` for processes started under `mark`. */
export function watchChromium(mark: string, intervalMs = 100): ChromiumWatch {
  const own = ownSession();
  // environ is read once per process, so a sample is mostly a pass over /proc/*/stat.
  const seen = new Map<string, boolean>();
  // Now, in clock ticks since boot (USER_HZ, 100 on Linux), less one: older than any process this test starts.
  const since = Math.floor(Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]) * 100) - 1;
  const sessions = new Set<number>();
  const launched = new Map<number, string>();
  let running = true;
  let sampling: Promise<void> = Promise.resolve();
  const sample = async () => {
    const found = await marked(mark, undefined, seen, since);
    // Started by this process or by a marked CLI child, not a helper that Chromium double-forks for itself.
    const starters = new Set([process.pid, ...found.filter((p) => p.sid === own).map((p) => p.pid)]);
    for (const p of found) {
      if (p.pid === process.pid || p.sid === own) continue;
      sessions.add(p.sid);
      if (p.pid === p.sid && starters.has(p.ppid)) launched.set(p.pid, p.comm);
    }
  };
  const loop = async () => {
    while (running) {
      sampling = sample();
      await sampling;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
  void loop();
  return {
    launched,
    sessions,
    async stop() {
      running = false;
      await sampling;
      await sample();
      return leftovers(mark, sessions);
    },
  };
}

/** Live processes carrying `mark` or in one of `sessions`, other than this one; waits up to `settleMs` for them to go. */
export async function leftovers(mark: string, sessions: ReadonlySet<number>, settleMs = 3_000): Promise<ProcessInfo[]> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const all = await processes();
    const markedPids = new Set((await marked(mark, all)).map((p) => p.pid));
    const alive = all.filter((p) => p.pid !== process.pid && p.state !== 'Z' && (markedPids.has(p.pid) || sessions.has(p.sid)));
    // A process killed a moment ago can still be exiting; give it a little time before calling it left behind.
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function marked(mark: string, all?: ProcessInfo[], seen = new Map<string, boolean>(), since = -1): Promise<ProcessInfo[]> {
  const needle = `${MARK_VAR}=${mark}\0`;
  const list = all ?? (await processes());
  const hits = await Promise.all(
    list.map(async (p) => {
      const key = `${p.pid}@${p.started}`;
      const known = seen.get(key);
      if (known !== undefined) return known;
      const hit = await readFile(`/proc/${p.pid}/environ`, 'latin1').then(
        (env) => env.includes(needle),
        () => false,
      );
      // A "no" is final only for processes older than the watch: a new one may be between fork and exec.
      if (hit || p.started <= since) seen.set(key, hit);
      return hit;
    }),
  );
  return list.filter((p, i) => hits[i] && p.state !== 'Z');
}

async function processes(): Promise<ProcessInfo[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const stats = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/stat`, 'latin1').catch(() => null)));
  return stats.flatMap((stat) => (stat ? [parseStat(stat)] : []));
}

/** /proc/<pid>/stat: "pid (comm) state ppid pgrp session …"; comm may hold spaces and parentheses. */
function parseStat(stat: string): ProcessInfo {
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' '); // from field 3, state, on
  const [state, ppid, pgid, sid] = fields;
  return {
    pid: Number.parseInt(stat, 10),
    comm: stat.slice(stat.indexOf('(') + 1, close),
    state: state!,
    ppid: Number(ppid),
    pgid: Number(pgid),
    sid: Number(sid),
    started: Number(fields[19]), // field 22
  };
}

function ownSession(): number {
  return parseStat(readFileSync('/proc/self/stat', 'latin1')).sid;
}

/** "123 chromium (S, session 120); …", for an assertion's message. */
export function describeProcesses(list: ProcessInfo[]): string {
  return list.map((p) => `${p.pid} ${p.comm} (${p.state}, session ${p.sid})`).join('; ') || 'none';
}
