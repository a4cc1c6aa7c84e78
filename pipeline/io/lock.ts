import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { hostname, uptime } from 'node:os';
import { join, resolve } from 'node:path';
import { LockError, OutputError } from '../errors.js';
import { writeNewFileSynced } from './atomic.js';
import { isProcessAlive } from './process.js';

/**
 * One run at a time over everything a run writes: `withLock([dataDir, outDir], owner, fn)` takes `<dir>/.lock`
 * in each folder, in sorted order, all or none, and holds them while `fn` runs. Two runs that share any folder
 * (the same --out with different --data, say) never run at once. Every entry point takes it: run, fetch, send,
 * and each scheduler tick.
 *
 * A lock file is created whole and exclusively (hard link of a synced temp file) and holds who took it:
 * `{pid, owner, startedAt, host, bootId, procStart, instance}`. It is stale, and taken over, when its holder is
 * provably gone, never merely because it is old (a slow run is still a run):
 * - the machine has restarted since (`/proc/sys/kernel/random/boot_id` differs);
 * - no process has that pid;
 * - a process has that pid but started at another time (`/proc/<pid>/stat` field 22), so the pid was reused:
 *   a container's PID 1 restarted, or a long-lived machine wrapped its pids;
 * - the pid is this process's own but the lock was not taken by this process (`instance` differs): an earlier
 *   process that had the same pid, e.g. PID 1 of the container before it restarted.
 * Where /proc is missing (not Linux), only the pid check and the `instance` check apply, and the boot time from
 * os.uptime() (to the minute) stands in for the boot id. Not for folders shared between machines (NFS): a lock
 * from another machine looks like one from before a restart.
 * Not re-entrant: a process that holds the lock and asks again gets a LockError.
 */

export interface LockOptions {
  /**
   * A lock file that cannot be parsed (a holder killed between creating and writing it, where hard links are
   * not supported) is taken over once it is older than this, in milliseconds. @default 60_000
   */
  staleAfterMs?: number;
  /** Create a folder that does not exist yet (the output folder of a first run). @default false: a missing folder is an OutputError */
  createMissing?: boolean;
}

/** What a lock file says about its holder. */
export interface LockHolder {
  pid: number;
  owner: string;
  startedAt: string;
  host?: string;
  /** The kernel's boot id when the lock was taken. */
  bootId?: string;
  /** Boot time from uptime, ms since 1970 (to the minute), where there is no boot id. */
  bootedAt?: number;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  procStart?: string;
  /** Random per process: tells this process from an earlier one with the same pid. */
  instance?: string;
}

/** This process, as a lock records it. Read once: none of it changes while the process lives. */
const self = {
  bootId: readProc('/proc/sys/kernel/random/boot_id')?.trim(),
  procStart: processStart(process.pid),
  bootedAt: Math.round((Date.now() - uptime() * 1000) / 60_000) * 60_000,
  instance: randomBytes(8).toString('hex'),
  host: hostname(),
};

/** Run `fn` holding the lock of every folder in `dirs`; LockError if a live process holds any of them (none is then taken). Released in finally. */
export async function withLock<T>(dirs: string | readonly string[], owner: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const held = await acquireAll(dirs, owner, opts);
  try {
    return await fn();
  } finally {
    await releaseAll(held);
  }
}

/** Like withLock, but resolves to null without running `fn` when a lock is held (the scheduler skips a tick). */
export async function tryLock<T>(dirs: string | readonly string[], owner: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T | null> {
  let held: Held[];
  try {
    held = await acquireAll(dirs, owner, opts);
  } catch (error) {
    if (error instanceof LockError) return null;
    throw error;
  }
  try {
    return await fn();
  } finally {
    await releaseAll(held);
  }
}

export function lockPath(dir: string): string {
  return join(dir, '.lock');
}

/** Who holds the lock of the first of `dirs` that is locked, or null (none is, or the file is being written). */
export async function lockHolder(dirs: string | readonly string[]): Promise<LockHolder | null> {
  for (const dir of sortedDirs(dirs)) {
    const holder = parse(await readFile(lockPath(dir), 'utf8').catch(() => ''));
    if (holder) return holder;
  }
  return null;
}

interface Held {
  path: string;
  content: LockHolder;
}

function sortedDirs(dirs: string | readonly string[]): string[] {
  return [...new Set((typeof dirs === 'string' ? [dirs] : dirs).map((d) => resolve(d)))].sort();
}

/** In sorted order, so two processes asking for overlapping sets can't each hold a part the other needs. */
async function acquireAll(dirs: string | readonly string[], owner: string, opts: LockOptions): Promise<Held[]> {
  const held: Held[] = [];
  try {
    for (const dir of sortedDirs(dirs)) {
      if (opts.createMissing) await mkdir(dir, { recursive: true }).catch((error: unknown) => Promise.reject(createError(lockPath(dir), error)));
      held.push(await acquire(dir, owner, opts.staleAfterMs ?? 60_000));
    }
    return held;
  } catch (error) {
    await releaseAll(held);
    throw error;
  }
}

async function releaseAll(held: Held[]): Promise<void> {
  for (const lock of [...held].reverse()) await release(lock.path, lock.content);
}

async function acquire(dir: string, owner: string, staleAfterMs: number): Promise<Held> {
  const path = lockPath(dir);
  const content: LockHolder = {
    pid: process.pid,
    owner,
    startedAt: new Date().toISOString(),
    host: self.host,
    ...(self.bootId ? { bootId: self.bootId } : { bootedAt: self.bootedAt }),
    ...(self.procStart ? { procStart: self.procStart } : {}),
    instance: self.instance,
  };
  // Two attempts: the second follows the takeover of a stale lock; if someone else won that race, we lose cleanly.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await create(path, content)) return { path, content };
    const found = await inspect(path, staleAfterMs);
    if (found.kind === 'gone') continue;
    if (found.kind === 'live') throw heldError(path, found.holder);
    if (found.kind === 'young-unreadable') {
      throw new LockError(
        `${path}: another process is creating the lock right now (the file is not readable yet). Wait for it to ` +
          `finish or, if no briefing process is running, delete ${path}. Nothing was changed.`,
        { path },
      );
    }
    await takeOver(path, found.text);
  }
  throw new LockError(`${path}: another process took the lock while a stale one was being cleared. Nothing was changed; try again later.`, { path });
}

/**
 * Create the lock file exclusively, whole: the content goes to a temp file beside it (`.lock.<pid>.<8 hex>.tmp`,
 * synced), which is then hard-linked to `.lock`. link() never overwrites, so it is as exclusive as 'wx', and the
 * lock appears with its content or not at all. Where hard links are not supported, falls back to 'wx'.
 * Returns false if the lock exists. Other failures (no folder, read-only, disk full) are OutputErrors.
 */
async function create(path: string, content: LockHolder): Promise<boolean> {
  const text = JSON.stringify(content) + '\n';
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeNewFileSynced(temp, text);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw createError(path, error);
  }
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') return createExclusive(path, text);
    throw createError(path, error);
  } finally {
    await rm(temp, { force: true }).catch(() => undefined);
  }
}

/** The fallback without hard links: 'wx', then write; a kill in between leaves an empty lock (stale after staleAfterMs). */
async function createExclusive(path: string, text: string): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw createError(path, error);
  }
  try {
    await handle.writeFile(text);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(path, { force: true });
    throw createError(path, error);
  }
  await handle.close();
  return true;
}

function createError(path: string, error: unknown): OutputError {
  return new OutputError(
    `${path}: cannot create the lock file (${(error as NodeJS.ErrnoException).code ?? error}). Check that the ` +
      'folder exists, is writable and has free space; nothing was changed.',
    { path, cause: error },
  );
}

type Inspection = { kind: 'gone' } | { kind: 'live'; holder: LockHolder } | { kind: 'young-unreadable' } | { kind: 'stale'; text: string; why: string };

async function inspect(path: string, staleAfterMs: number): Promise<Inspection> {
  let text: string;
  let ageMs: number;
  try {
    text = await readFile(path, 'utf8');
    ageMs = Date.now() - (await stat(path)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw error;
  }
  const holder = parse(text);
  if (!holder) return ageMs > staleAfterMs ? { kind: 'stale', text, why: 'unreadable and old' } : { kind: 'young-unreadable' };
  const why = staleness(holder);
  return why ? { kind: 'stale', text, why } : { kind: 'live', holder };
}

/** Why the holder is provably gone, or undefined when it may be alive. */
export function staleness(holder: LockHolder): string | undefined {
  if (holder.bootId && self.bootId) {
    if (holder.bootId !== self.bootId) return 'the machine has restarted since (boot id differs)';
  } else if (holder.bootedAt !== undefined && !self.bootId && Math.abs(holder.bootedAt - self.bootedAt) > 120_000) {
    return 'the machine has restarted since (boot time differs)';
  }
  if (holder.pid === process.pid) {
    return holder.instance === self.instance ? undefined : "an earlier process had this process's pid (a restarted container)";
  }
  if (!isProcessAlive(holder.pid)) return 'no process has its pid';
  if (holder.procStart) {
    const start = processStart(holder.pid);
    if (start !== undefined && start !== holder.procStart) return 'its pid now belongs to a process that started later';
  }
  return undefined;
}

/**
 * Move the stale file aside under a unique name, then check it is the file we judged stale. If another process
 * replaced it in between (it took over first), put its lock back with link(), which never overwrites.
 */
async function takeOver(path: string, staleText: string): Promise<void> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readFile(aside, 'utf8').catch(() => '');
  if (moved !== staleText) await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true });
}

/** Remove the lock only if it is still ours (a person may have deleted it and another run taken it). */
async function release(path: string, content: LockHolder): Promise<void> {
  const current = parse(await readFile(path, 'utf8').catch(() => ''));
  if (current && current.pid === content.pid && current.startedAt === content.startedAt && current.instance === content.instance) {
    await rm(path, { force: true });
  }
}

function parse(text: string): LockHolder | null {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || !Number.isInteger(value.pid) || value.pid <= 0 || typeof value.startedAt !== 'string') return null;
    const optional = <K extends keyof LockHolder>(key: K, type: 'string' | 'number') => (typeof value[key] === type ? { [key]: value[key] } : {});
    return {
      pid: value.pid,
      owner: String(value.owner ?? 'unknown'),
      startedAt: value.startedAt,
      ...optional('host', 'string'),
      ...optional('bootId', 'string'),
      ...optional('bootedAt', 'number'),
      ...optional('procStart', 'string'),
      ...optional('instance', 'string'),
    };
  } catch {
    return null;
  }
}

/** Signal 0 checks existence only. ESRCH: no such process. EPERM: it exists but belongs to another user. */
export { isProcessAlive };

/** Field 22 of /proc/<pid>/stat (start time, clock ticks since boot), or undefined without /proc or such a process. */
export function processStart(pid: number): string | undefined {
  const line = readProc(`/proc/${pid}/stat`);
  if (!line) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces and parentheses: count from the last ')'.
  const fields = line.slice(line.lastIndexOf(')') + 2).split(' ');
  const start = fields[19];
  return start && /^\d+$/.test(start) ? start : undefined;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function heldError(path: string, holder: LockHolder): LockError {
  return new LockError(
    `${path}: another briefing run holds the lock (${holder.owner}, pid ${holder.pid}${holder.host && holder.host !== self.host ? ` on ${holder.host}` : ''}, ` +
      `since ${holder.startedAt}). Nothing was changed. Wait for it to finish or, if no briefing process is running, delete ${path}.`,
    { path, pid: holder.pid, owner: holder.owner, startedAt: holder.startedAt },
  );
}
