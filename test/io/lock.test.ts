import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockError, OutputError } from '../../pipeline/errors.js';
import { lockPath, processStart, withLock } from '../../pipeline/io/lock.js';

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

async function holdAs(pid: number, owner: string, startedAt = '2026-01-05T07:00:00.000Z', extra: Record<string, unknown> = {}, folder = dir): Promise<void> {
  await writeFile(lockPath(folder), JSON.stringify({ pid, owner, startedAt, ...extra }) + '\n');
}

const hasProc = existsSync('/proc/self/stat') && existsSync('/proc/sys/kernel/random/boot_id');
const bootId = hasProc ? readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() : '';

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('withLock', () => {
  it("holds <dir>/.lock with pid, owner, start time and the process's identity while fn runs, then removes it", async () => {
    const result = await withLock(dir, 'cli run', async () => {
      const content = JSON.parse(await readFile(lockPath(dir), 'utf8'));
      expect(content).toMatchObject({ pid: process.pid, owner: 'cli run', instance: expect.stringMatching(/^[0-9a-f]{16}$/) });
      if (hasProc) expect(content).toMatchObject({ bootId, procStart: processStart(process.pid) });
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

  it('takes over the lock of a process that has died', async () => {
    await holdAs(await otherProcess(true), 'killed run');
    const owner = await withLock(dir, 'cli run', async () => JSON.parse(await readFile(lockPath(dir), 'utf8')).owner);
    expect(owner).toBe('cli run');
    expect(await exists(lockPath(dir))).toBe(false);
  });

  it('takes over an unreadable lock file only once it is older than a minute', async () => {
    await writeFile(lockPath(dir), '');
    await expect(withLock(dir, 'cli run', async () => 1)).rejects.toThrow(LockError);
    const old = new Date(Date.now() - 120_000);
    await utimes(lockPath(dir), old, old);
    await expect(withLock(dir, 'cli run', async () => 1)).resolves.toBe(1);
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

describe('over several folders', () => {
  it("takes every folder's lock, in sorted order, and releases them all", async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    await Promise.all([mkdir(a), mkdir(b)]);
    await withLock([b, a, `${a}/`], 'cli run', async () => {
      expect(JSON.parse(await readFile(lockPath(a), 'utf8')).owner).toBe('cli run');
      expect(JSON.parse(await readFile(lockPath(b), 'utf8')).owner).toBe('cli run');
    });
    expect([await exists(lockPath(a)), await exists(lockPath(b))]).toEqual([false, false]);
  });

  it('all or none: when one folder is held, the locks already taken are released and fn does not run', async () => {
    const data = join(dir, 'data');
    const out = join(dir, 'out');
    await Promise.all([mkdir(data), mkdir(out)]);
    const pid = await otherProcess(false);
    await holdAs(pid, 'briefing send (other --data)', undefined, {}, out);
    let ran = false;
    const error = await withLock([data, out], 'briefing send', async () => (ran = true)).catch((e: unknown) => e);
    expect((error as LockError).message).toMatch(/out\/\.lock: another briefing run holds the lock \(briefing send \(other --data\)/);
    // The holder, for the scheduler's "skipped (locked by …)" line.
    expect((error as LockError).context).toMatchObject({ pid, owner: 'briefing send (other --data)', startedAt: '2026-01-05T07:00:00.000Z' });
    expect(ran).toBe(false);
    expect(await exists(lockPath(data))).toBe(false);
  });

  it('refuses a missing folder (the caller makes the output folder first), taking none of the locks', async () => {
    const out = join(dir, 'new', 'out');
    await expect(withLock([dir, out], 'cli run', async () => 1)).rejects.toThrow(/new\/out\/\.lock: cannot create the lock file \(ENOENT\)/);
    await expect(withLock([dir, out], 'cli run', async () => 1)).rejects.toThrow(OutputError);
    expect(await exists(lockPath(dir))).toBe(false);
  });
});

describe('a stale lock is recognised without trusting a pid alone', () => {
  it.skipIf(!hasProc)('PID 1 of a dead container (same boot, pid 1 alive here, but it started at another time) is taken over', async () => {
    expect(processStart(1)).toMatch(/^\d+$/);
    await holdAs(1, 'container run', undefined, { bootId, procStart: '987654321', instance: 'aaaaaaaaaaaaaaaa' });
    await expect(withLock(dir, 'cli run', async () => JSON.parse(await readFile(lockPath(dir), 'utf8')).owner)).resolves.toBe('cli run');
  });

  it.skipIf(!hasProc)('a lock from before the machine restarted (another boot id) is taken over, though its pid is alive now', async () => {
    const pid = await otherProcess(false);
    await holdAs(pid, 'run before the reboot', undefined, { bootId: '00000000-0000-0000-0000-000000000000', procStart: processStart(pid) });
    await expect(withLock(dir, 'cli run', async () => 'taken')).resolves.toBe('taken');
  });

  it.skipIf(!hasProc)('a reused pid (alive, but started later than the holder) is taken over; the real holder is not', async () => {
    const pid = await otherProcess(false);
    const start = processStart(pid)!;
    await holdAs(pid, 'earlier process', undefined, { bootId, procStart: String(Number(start) - 1000) });
    await expect(withLock(dir, 'cli run', async () => 'taken')).resolves.toBe('taken');
    await holdAs(pid, 'the holder itself', undefined, { bootId, procStart: start });
    await expect(withLock(dir, 'cli run', async () => 'taken')).rejects.toThrow(/the holder itself, pid/);
  });

  it.skipIf(!hasProc)('a field of the wrong type in a hand-edited lock file is ignored: it never makes a live holder look gone', async () => {
    const pid = await otherProcess(false);
    await holdAs(pid, 'hand-edited', undefined, { bootId, procStart: Number(processStart(pid)) - 1000 });
    await expect(withLock(dir, 'cli run', async () => 'taken')).rejects.toThrow(/hand-edited, pid/);
  });

  it("a lock with this process's pid that this process did not take (an earlier PID 1) is taken over", async () => {
    await holdAs(process.pid, 'this pid, earlier', undefined, { instance: '0000000000000000' });
    await expect(withLock(dir, 'cli run', async () => 'taken')).resolves.toBe('taken');
  });
});
