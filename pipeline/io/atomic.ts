import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isProcessAlive } from './process.js';

/**
 * Replace `path` whole: write a temp file beside it, fsync it, rename it over the target, then fsync the
 * folder. A reader (or a crash at any moment) sees the old file or the new one, never a mix. On failure the
 * temp file is removed and the target is left as it was.
 */
/** What the writers here take: text, bytes, or bytes in pieces (written in order, never joined in memory). */
export type FileData = string | Uint8Array | readonly Uint8Array[];

export async function writeFileAtomic(path: string, data: FileData): Promise<void> {
  const staged = await stageFile(path, data);
  await staged.commit();
}

/** A file written and synced under its temp name, not yet in place. */
export interface StagedFile {
  path: string;
  /** Rename the temp file over `path` and fsync the folder; on failure the temp file is removed. */
  commit(): Promise<void>;
  /** Remove the temp file; `path` stays as it was. Never throws. */
  discard(): Promise<void>;
}

/** Create `path` (never an existing file: 'wx'), write `data`, fsync, close. */
export async function writeNewFileSynced(path: string, data: FileData): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
    else for (const piece of data) await handle.writeFile(piece);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The first half of writeFileAtomic: `data` in a synced temp file beside `path` (`.<name>.<pid>.<8 hex>.tmp`).
 * Staging every file of a set before committing any (outputs.ts) means a full disk or a permission
 * problem replaces none of them. On failure nothing is left behind.
 */
export async function stageFile(path: string, data: FileData): Promise<StagedFile> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const discard = () => rm(temp, { force: true }).catch(() => undefined);
  try {
    await writeNewFileSynced(temp, data);
  } catch (error) {
    await discard();
    throw error;
  }
  return {
    path,
    discard,
    async commit() {
      try {
        await rename(temp, path);
      } catch (error) {
        await discard();
        throw error;
      }
      await syncDir(dirname(path));
    },
  };
}

/**
 * Remove the temp files a killed process left in `dir` (not its subfolders): writeFileAtomic's
 * `.<name>.<pid>.<8 hex>.tmp` and lock.ts's `.lock.<pid>.<8 hex>.stale`, when process `pid` is gone.
 * Best effort: a folder that can't be read or a file that can't be removed is left alone.
 */
export async function removeOrphanTemps(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const entry of entries) {
    const pid = /^\..+\.(\d+)\.[0-9a-f]{8}\.(tmp|stale)$/.exec(entry)?.[1];
    if (pid && !isProcessAlive(Number(pid))) await rm(join(dir, entry), { force: true }).catch(() => undefined);
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse fsync on a folder; the rename itself is still atomic there.
  }
}
