import { access, constants, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode, removeOrphanTemps, stageFile } from './atomic.js';
import { OutputError } from '../errors.js';

/** Make sure `dir` exists and is writable before any work is done, so a run can't fail at its last step. */
export async function ensureWritableDir(dir: string, what: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new OutputError(
      `${what} ${dir} is not writable (${errorCode(error)}). Choose another folder with --out, or fix its permissions; nothing was written.`,
      { path: dir, cause: error },
    );
  }
}

/** Replace the files in `dir` as a set (the HTML with its PDF): all are staged before any is renamed, so a full disk replaces none. */
export async function writeOutputs(dir: string, files: { name: string; data: string | Uint8Array }[]): Promise<string[]> {
  const staged: Awaited<ReturnType<typeof stageFile>>[] = [];
  const fail = (path: string, error: unknown, state: string) => {
    const message = `Cannot write ${path} (${errorCode(error)}). ${state} Free some space or fix the folder's permissions, then run again.`;
    return new OutputError(message, { path, cause: error });
  };
  for (const file of files) {
    const path = join(dir, file.name);
    try {
      staged.push(await stageFile(path, file.data));
    } catch (error) {
      await Promise.all(staged.map((s) => s.discard()));
      throw fail(path, error, `None of ${files.map((f) => f.name).join(', ')} was replaced: the previous files, if any, are left in place.`);
    }
  }
  for (const [i, s] of staged.entries()) {
    try {
      await s.commit();
    } catch (error) {
      await Promise.all(staged.slice(i + 1).map((rest) => rest.discard()));
      const done = staged.slice(0, i).map((d) => d.path);
      const state = done.length ? `${done.join(', ')} were already replaced; the rest are left as they were.` : 'The previous files are left in place.';
      throw fail(s.path, error, state);
    }
  }
  await removeOrphanTemps(dir);
  return staged.map((s) => s.path);
}
