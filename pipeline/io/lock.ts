import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname, uptime } from 'node:os';
import { join, resolve } from 'node:path';
import * as v from 'valibot';
import { LockError, OutputError } from '../errors.js';
import { errorCode, isProcessAlive, writeNewFileSynced } from './atomic.js';

/**
 * One run at a time over everything a run writes, by `<dir>/.lock` files. A lock is taken over only when its holder is
 * provably gone, never because it is old: the machine has restarted, no process has its pid, or the process with its
 * pid started at another time (a reused pid, or PID 1 of a restarted container). Not re-entrant; not for NFS folders.
 */

/** An unparsable lock file (its holder killed while writing it, where hard links are unsupported) is stale after this. */
const staleAfterMs = 60_000;

const bootId = readProc('/proc/sys/kernel/random/boot_id')?.trim() || undefined;

/** This process, as its lock files record it: bootedAt (to the minute) where there is no boot id; instance tells it from an earlier process with its pid. */
const self = {
  host: hostname(),
  bootId,
  bootedAt: bootId ? undefined : Math.round((Date.now() - uptime() * 1000) / 60_000) * 60_000,
  procStart: processStart(process.pid),
  instance: randomBytes(8).toString('hex'),
};

/** A field of the wrong type (a hand-edited file) is left out, so it can't make a live holder look gone. */
const maybe = <T extends v.GenericSchema>(schema: T) => v.fallback(v.optional(schema), undefined);

const holderSchema = v.object({
  pid: v.pipe(v.number(), v.integer(), v.minValue(1)),
  owner: v.fallback(v.string(), 'unknown'),
  startedAt: v.string(),
  host: maybe(v.string()),
  bootId: maybe(v.string()),
  bootedAt: maybe(v.number()),
  procStart: maybe(v.string()),
  instance: maybe(v.string()),
});
type LockHolder = v.InferOutput<typeof holderSchema>;
/** A lock file's text; empty or half-written text fails. */
const lockFile = v.pipe(v.string(), v.parseJson(), holderSchema);

/**
 * Run `fn` holding the lock of every folder in `dirs`. LockError, naming the holder in its context, if a live process holds
 * any of them (none is then taken); OutputError if a lock file cannot be created.
 */
export async function withLock<T>(dirs: string | readonly string[], owner: string, fn: () => Promise<T>): Promise<T> {
  const content = `${JSON.stringify({ pid: process.pid, owner, startedAt: new Date().toISOString(), ...self } satisfies LockHolder)}\n`;
  const held: string[] = [];
  try {
    // In sorted order, so two processes asking for overlapping sets can't each hold a part the other needs.
    for (const dir of [...new Set((typeof dirs === 'string' ? [dirs] : dirs).map((d) => resolve(d)))].sort()) {
      await acquire(lockPath(dir), content);
      held.push(lockPath(dir));
    }
    return await fn();
  } finally {
    for (const path of held.reverse()) await release(path, content);
  }
}

export function lockPath(dir: string): string {
  return join(dir, '.lock');
}

async function acquire(path: string, content: string): Promise<void> {
  // Two attempts: the second follows the takeover of a stale lock; if someone else won that race, we lose cleanly.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await create(path, content)) return;
    const found = await Promise.all([readFile(path, 'utf8'), stat(path)]).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (!found) continue;
    const [text, { mtimeMs }] = found;
    const holder = parse(text);
    if (holder && !isGone(holder)) {
      const where = holder.host && holder.host !== self.host ? ` on ${holder.host}` : '';
      throw new LockError(
        `${path}: another briefing run holds the lock (${holder.owner}, pid ${holder.pid}${where}, since ${holder.startedAt}). Nothing was changed. ` +
          `Wait for it to finish or, if no briefing process is running, delete ${path}.`,
        { path, pid: holder.pid, owner: holder.owner, startedAt: holder.startedAt },
      );
    }
    if (!holder && Date.now() - mtimeMs <= staleAfterMs) {
      throw new LockError(
        `${path}: another process is creating the lock right now (the file is not readable yet). Wait for it to ` +
          `finish or, if no briefing process is running, delete ${path}. Nothing was changed.`,
        { path },
      );
    }
    await takeOver(path, text);
  }
  throw new LockError(`${path}: another process took the lock while a stale one was being cleared. Nothing was changed; try again later.`, { path });
}

/**
 * Create the lock file exclusively and whole: a synced temp file hard-linked to `.lock` (link() never overwrites), or
 * 'wx' where hard links are unsupported. False if the lock exists.
 */
async function create(path: string, text: string): Promise<boolean> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeNewFileSynced(temp, text);
    await link(temp, path).catch((error: NodeJS.ErrnoException) => {
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(error.code ?? '')) throw error;
      return writeNewFileSynced(path, text);
    });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    const advice = 'Check that the folder exists, is writable and has free space; nothing was changed.';
    throw new OutputError(`${path}: cannot create the lock file (${errorCode(error)}). ${advice}`, { path, cause: error });
  } finally {
    await rm(temp, { force: true }).catch(() => undefined);
  }
}

/** Whether the holder is provably gone; false when it may be alive. */
function isGone(holder: LockHolder): boolean {
  // The machine has restarted since: another boot id or, without one here, a boot time more than 2 minutes off.
  if (holder.bootId && self.bootId) {
    if (holder.bootId !== self.bootId) return true;
  } else if (holder.bootedAt !== undefined && self.bootedAt !== undefined && Math.abs(holder.bootedAt - self.bootedAt) > 120_000) return true;
  // This process's pid, taken by another instance: an earlier process with the same pid (a restarted container's PID 1).
  if (holder.pid === process.pid) return holder.instance !== self.instance;
  if (!isProcessAlive(holder.pid)) return true;
  if (!holder.procStart) return false;
  const start = processStart(holder.pid);
  return start !== undefined && start !== holder.procStart; // the pid now belongs to a process that started later
}

/** Move the stale file aside, then check it is the one judged stale; if another process took over first, link its lock back. */
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

/** Remove the lock only if it is still ours, as we wrote it (a person may have deleted it and another run taken it). */
async function release(path: string, content: string): Promise<void> {
  if ((await readFile(path, 'utf8').catch(() => '')) === content) await rm(path, { force: true });
}

function parse(text: string): LockHolder | null {
  const result = v.safeParse(lockFile, text);
  return result.success ? result.output : null;
}

/** Field 22 of /proc/<pid>/stat (start time, clock ticks since boot), or undefined without /proc or such a process. */
export function processStart(pid: number): string | undefined {
  const line = readProc(`/proc/${pid}/stat`) ?? '';
  // The command name (field 2) is in parentheses and may hold spaces and parentheses: count from the last ')'.
  const start = line.slice(line.lastIndexOf(')') + 2).split(' ')[19];
  return start && /^\d+$/.test(start) ? start : undefined;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
