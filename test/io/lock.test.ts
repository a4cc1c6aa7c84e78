import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockError, OutputError } from '../../pipeline/errors.js';
import { lockPath, tryLock, withLock } from '../../pipeline/io/lock.js';

let dir: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ssb-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

/** A real other process: alive until killed, or already exited when `exited` is set. */
async function otherProcess(exited: boolean): Promise<number> {
  const child = spawn(process.execPath, ['-e', exited ? '' : 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(child);
  if (exited) await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

async function holdAs(pid: number, owner: string, startedAt = '2026-01-05T07:00:00.000Z'): Promise<void> {
  await writeFile(lockPath(dir), JSON.stringify({ pid, owner, startedAt }) + '\n');
}

const exists = (path: string) => stat(path).then(() => true, () => false);

describe('withLock', () => {
  it('holds <dir>/.lock with pid, owner and start time while fn runs, then removes it', async () => {
    const result = await withLock(dir, 'cli run', async () => {
      const content = JSON.parse(await readFile(lockPath(dir), 'utf8'));
      expect(content).toMatchObject({ pid: process.pid, owner: 'cli run' });
      expect(Number.isNaN(Date.parse(content.startedAt))).toBe(false);
      return 42;
    });
    expect(result).toBe(42);
    expect(await exists(lockPath(dir))).toBe(false);
  });

  it('refuses a lock held by a live process, saying who holds it since when and what to do', async () => {
    const pid = await otherProcess(false);
    await holdAs(pid, 'scheduler');
    let ran = false;
    const error = await withLock(dir, 'cli run', async () => {
      ran = true;
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockError);
    const message = (error as LockError).message;
    expect(message).toContain('scheduler');
    expect(message).toContain(`pid ${pid}`);
    expect(message).toContain('since 2026-01-05T07:00:00.000Z');
    expect(message).toContain(`Wait for it to finish or, if no briefing process is running, delete ${lockPath(dir)}`);
    expect((error as LockError).exitCode).toBe(9);
    expect(ran).toBe(false);
    expect(JSON.parse(await readFile(lockPath(dir), 'utf8')).pid).toBe(pid); // untouched
  });

  it('refuses a second holder in the same process (not re-entrant)', async () => {
    await withLock(dir, 'first', async () => {
      await expect(withLock(dir, 'second', async () => 1)).rejects.toThrow(/first, pid \d+/);
    });
    expect(await exists(lockPath(dir))).toBe(false);
  });

  it("takes over the lock of a process that has died", async () => {
    await holdAs(await otherProcess(true), 'killed run');
    const owner = await withLock(dir, 'cli run', async () => JSON.parse(await readFile(lockPath(dir), 'utf8')).owner);
    expect(owner).toBe('cli run');
    expect(await exists(lockPath(dir))).toBe(false);
  });

  it('takes over an unreadable lock file only once it is older than staleAfterMs', async () => {
    await writeFile(lockPath(dir), '');
    await expect(withLock(dir, 'cli run', async () => 1, { staleAfterMs: 60_000 })).rejects.toThrow(LockError);
    const old = new Date(Date.now() - 120_000);
    await utimes(lockPath(dir), old, old);
    await expect(withLock(dir, 'cli run', async () => 1, { staleAfterMs: 60_000 })).resolves.toBe(1);
  });

  it('releases the lock when fn throws, and passes the error on', async () => {
    const boom = new Error('render failed');
    await expect(withLock(dir, 'cli run', async () => Promise.reject(boom))).rejects.toBe(boom);
    expect(await exists(lockPath(dir))).toBe(false);
    await expect(withLock(dir, 'cli run', async () => 'again')).resolves.toBe('again');
  });

  it('does not remove a lock that is no longer its own', async () => {
    const pid = await otherProcess(false);
    await withLock(dir, 'cli run', async () => {
      await holdAs(pid, 'someone else'); // a person deleted ours and another run took it
    });
    expect(JSON.parse(await readFile(lockPath(dir), 'utf8')).owner).toBe('someone else');
  });

  it('fails with an OutputError when the folder does not exist', async () => {
    await expect(withLock(join(dir, 'missing'), 'cli run', async () => 1)).rejects.toThrow(OutputError);
  });
});

describe('tryLock', () => {
  it('resolves to null without running fn when the lock is held', async () => {
    await holdAs(await otherProcess(false), 'cli run');
    let ran = false;
    await expect(tryLock(dir, 'scheduler', async () => (ran = true))).resolves.toBeNull();
    expect(ran).toBe(false);
  });

  it("runs fn when free, and fn's own errors still throw", async () => {
    await expect(tryLock(dir, 'scheduler', async () => 'ran')).resolves.toBe('ran');
    await expect(tryLock(dir, 'scheduler', async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await exists(lockPath(dir))).toBe(false);
  });
});
