import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LockError, OutputError } from '../errors.js';
import { writeNewFileSynced } from './atomic.js';

/**
 * One run at a time: every entry point (the CLI, the scheduler) takes `<dir>/.lock` before touching data/ or
 * output/. The lock file is created exclusively ('wx') and holds `{pid, owner, startedAt}`, so a person can see
 * who holds it. A lock whose process is gone (killed, crashed, machine rebooted) is taken over; a live one is
 * never taken over, however old, since a slow run is still a run. Not re-entrant: a process that already holds
 * the lock and asks again gets a LockError. Not for network file systems (the pid check is local).
 */

export interface LockOptions {
  /**
   * A lock file that cannot be parsed (a holder killed between creating and writing it) is taken over once
   * it is older than this, in milliseconds. A readable lock of a dead process is taken over at once.
   * @default 60_000
   */
  staleAfterMs?: number;
  /** Waiting for the holder is not supported: a held lock fails at once (LockError, or null from tryLock). */
  wait?: false;
}

interface LockContent {
  pid: number;
  owner: string;
  startedAt: string;
}

/** Run `fn` holding `<dir>/.lock`; throws LockError if another live process holds it. Released in finally. */
export async function withLock<T>(dir: string, owner: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const held = await acquire(dir, owner, opts.staleAfterMs ?? 60_000);
  try {
    return await fn();
  } finally {
    await release(held.path, held.content);
  }
}

/** Like withLock, but resolves to null instead of throwing when the lock is held (the scheduler skips a tick). */
export async function tryLock<T>(dir: string, owner: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T | null> {
  let held: { path: string; content: LockContent };
  try {
    held = await acquire(dir, owner, opts.staleAfterMs ?? 60_000);
  } catch (error) {
    if (error instanceof LockError) return null;
    throw error;
  }
  try {
    return await fn();
  } finally {
    await release(held.path, held.content);
  }
}

export function lockPath(dir: string): string {
  return join(dir, '.lock');
}

async function acquire(dir: string, owner: string, staleAfterMs: number): Promise<{ path: string; content: LockContent }> {
  const path = lockPath(dir);
  const content: LockContent = { pid: process.pid, owner, startedAt: new Date().toISOString() };
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
  throw new LockError(`${path}: another process took the lock while a stale one was being cleared. Try again later.`, { path });
}

/**
 * Create the lock file exclusively, whole: the content goes to a temp file beside it (`.lock.<pid>.<8 hex>.tmp`,
 * synced), which is then hard-linked to `.lock`. link() never overwrites, so it is as exclusive as 'wx', and the
 * lock appears with its content or not at all: a holder killed at any moment (SIGKILL) never leaves an empty lock
 * that would block the next run until it is stale. A killed creator's temp file is removed by the next update
 * (update.ts removes temp files of dead processes). Where hard links are not supported, falls back to 'wx'.
 * Returns false if the lock exists. Other failures (no folder, read-only, disk full) are OutputErrors.
 */
async function create(path: string, content: LockContent): Promise<boolean> {
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
  let handle;
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

type Inspection =
  | { kind: 'gone' }
  | { kind: 'live'; holder: LockContent }
  | { kind: 'young-unreadable' }
  | { kind: 'stale'; text: string };

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
  if (!holder) return ageMs > staleAfterMs ? { kind: 'stale', text } : { kind: 'young-unreadable' };
  return isProcessAlive(holder.pid) ? { kind: 'live', holder } : { kind: 'stale', text };
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
async function release(path: string, content: LockContent): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const current = parse(text);
  if (current && current.pid === content.pid && current.startedAt === content.startedAt) await rm(path, { force: true });
}

function parse(text: string): LockContent | null {
  try {
    const value = JSON.parse(text) as Partial<LockContent>;
    if (typeof value.pid === 'number' && Number.isInteger(value.pid) && value.pid > 0 && typeof value.startedAt === 'string') {
      return { pid: value.pid, owner: String(value.owner ?? 'unknown'), startedAt: value.startedAt };
    }
  } catch {
    // fall through: unparsable
  }
  return null;
}

/** Signal 0 checks existence only. ESRCH: no such process. EPERM: it exists but belongs to another user. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function heldError(path: string, holder: LockContent): LockError {
  return new LockError(
    `${path}: another briefing run holds the lock (${holder.owner}, pid ${holder.pid}, since ${holder.startedAt}). ` +
      `Nothing was changed. Wait for it to finish or, if no briefing process is running, delete ${path}.`,
    { path, pid: holder.pid, owner: holder.owner, startedAt: holder.startedAt },
  );
}
