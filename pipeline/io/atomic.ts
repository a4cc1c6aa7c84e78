import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export type FileData = string | Uint8Array;

/** An error's system code (ENOSPC, EACCES…), for messages; the error itself when it has none. */
export const errorCode = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? String(error);

/** Replace `path` whole (stageFile, then commit): a reader, or a crash at any moment, sees the old file or the new one. */
export async function writeFileAtomic(path: string, data: FileData): Promise<void> {
  await (await stageFile(path, data)).commit();
}

/** Create `path` (never an existing file: 'wx'), write `data`, fsync, close; a failure after creating it removes it. */
export async function writeNewFileSynced(path: string, data: FileData): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(path, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** `data` in a synced temp file beside `path` (`.<name>.<pid>.<8 hex>.tmp`), to `commit()` (rename it over `path`) or `discard()`. */
export async function stageFile(path: string, data: FileData) {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const discard = () => rm(temp, { force: true }).catch(() => undefined);
  await writeNewFileSynced(temp, data);
  return {
    path,
    discard,
    async commit() {
      await rename(temp, path).catch(async (error: unknown) => {
        await discard();
        throw error;
      });
      await syncDir(dirname(path));
    },
  };
}

/** Remove the `.<name>.<pid>.<8 hex>.tmp` and `.stale` files a process that is gone left in `dir` (best effort). */
export async function removeOrphanTemps(dir: string): Promise<void> {
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    const pid = /^\..+\.(\d+)\.[0-9a-f]{8}\.(tmp|stale)$/.exec(entry)?.[1];
    if (pid && !isProcessAlive(Number(pid))) await rm(join(dir, entry), { force: true }).catch(() => undefined);
  }
}

/** Whether a process exists. Signal 0 checks existence only: ESRCH, no such process; EPERM, it exists but is another user's. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    await handle.sync().finally(() => handle.close());
  } catch {
    // Some file systems refuse fsync on a folder; the rename itself is still atomic there.
  }
}
