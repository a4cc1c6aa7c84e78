import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BriefingError, OutputError } from '../errors.js';
import { removeOrphanTemps, writeFileAtomic, type FileData } from '../io/atomic.js';
import { datasetFile } from './dataset.js';
import { definitionFile } from './definition.js';
import { historyFile, serializeHistory, type HistoryEntry } from './history.js';

/**
 * Writing an update into a briefing's folder, in an order that a crash at any moment leaves consistent:
 *
 *   raw/.<table>.staging/ (this fetch's responses) ─► briefing.json (newly resolved codes) ─► history.jsonl (with the
 *   new batch) ─► dataset.json (the commit point) ─► raw/<table>/ swapped for its staging folder
 *
 * Every file is replaced whole (temp file, fsync, rename). Before the commit point nothing a reader relies on has
 * changed meaning: codes recorded early only name what the table has; the history's new batch is dropped by
 * reconcile() while dataset.json is the old one. raw/<table>/ only ever holds responses the dataset was built from.
 */

export interface Commit {
  dataDir: string;
  /** The whole history as it should be, the new batch last. */
  history: HistoryEntry[];
  datasetText: string;
  /** The definition's new text, when this fetch resolved codes. */
  definitionText: string | null;
  raw: { table: string; files: { name: string; text: string }[] }[];
  /** For tests that inject faults between writes. @default writeFileAtomic */
  writeFile?: (path: string, data: FileData) => Promise<void>;
}

export async function commitUpdate(commit: Commit): Promise<void> {
  const { dataDir } = commit;
  const write = commit.writeFile ?? writeFileAtomic;
  const rawDir = join(dataDir, 'raw');
  await removeOrphanTemps(dataDir);
  await clearStaging(rawDir);
  try {
    for (const { table, files } of commit.raw) {
      const staging = join(rawDir, `.${table}.staging`);
      await guard(staging, async () => {
        await mkdir(staging, { recursive: true });
        for (const file of files) await write(join(staging, plainName(file.name, staging)), file.text);
      });
    }
    if (commit.definitionText !== null) await guard(join(dataDir, definitionFile), () => write(join(dataDir, definitionFile), commit.definitionText!));
    const historyPath = join(dataDir, historyFile);
    await guard(historyPath, () => write(historyPath, serializeHistory(commit.history)));
    await guard(join(dataDir, datasetFile), () => write(join(dataDir, datasetFile), commit.datasetText));
  } catch (error) {
    // Before the commit point what this update staged belongs to no dataset: removed, so a full disk gets its room back.
    for (const { table } of commit.raw) await rm(join(rawDir, `.${table}.staging`), { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  for (const { table } of commit.raw) {
    const target = join(rawDir, table);
    const old = join(rawDir, `.${table}.old`);
    try {
      await rm(old, { recursive: true, force: true });
      if (await exists(target)) await rename(target, old);
      await rename(join(rawDir, `.${table}.staging`), target);
      await rm(old, { recursive: true, force: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new OutputError(
        `${target}: dataset.json was updated, but the raw responses could not be put in place (${code}); ${target} may hold ` +
          "the previous fetch's responses or none. The figures are fine; fetch again with --force to replace the raw responses.",
        { path: target, cause: error },
      );
    }
  }
}

/** Staging folders a killed update left: they belong to no dataset. */
async function clearStaging(rawDir: string): Promise<void> {
  const entries = await readdir(rawDir).catch(() => [] as string[]);
  for (const entry of entries) if (/^\..+\.(staging|old)$/.test(entry)) await rm(join(rawDir, entry), { recursive: true, force: true }).catch(() => undefined);
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

function plainName(name: string, dir: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new OutputError(`${dir}: "${name}" is not a plain file name; nothing was written.`, { path: dir });
  return name;
}

async function guard<T>(path: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof BriefingError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new OutputError(
      `${path}: cannot write (${code}). The dataset was left as it was (the last good one stays in use). Check that the data ` +
        'folder is writable and has free space, then run again.',
      { path, cause: error },
    );
  }
}
