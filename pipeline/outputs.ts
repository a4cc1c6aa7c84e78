import { access, constants, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { OutputError } from './errors.js';

/** Make sure `dir` exists and is writable before any work is done, so a run can't fail at its last step. */
export async function ensureWritableDir(dir: string, what: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new OutputError(
      `${what} ${dir} is not writable (${code}). Choose another folder with --out, or fix its permissions; nothing was written.`,
      { path: dir, cause: error },
    );
  }
}

/** Write each file whole (temp + rename). A failure names the file; files written before it stay complete. */
export async function writeOutputs(dir: string, files: { name: string; data: string | Uint8Array }[]): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const path = join(dir, file.name);
    try {
      await writeFileAtomic(path, file.data);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new OutputError(`Cannot write ${path} (${code}). The previous ${file.name}, if any, is left in place.`, { path, cause: error });
    }
    written.push(path);
  }
  return written;
}
