import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BriefingError, OutputError } from '../errors.js';
import { errorCode, removeOrphanTemps, writeFileAtomic, type FileData } from '../io/atomic.js';
import { datasetFile } from './dataset.js';
import { definitionFile } from './definition.js';
import { historyFile, serializeHistory, type HistoryEntry } from './history.js';

/**
 * Write an update in an order a crash at any moment leaves consistent, each file replaced whole: raw/.<table>.staging/,
 * briefing.json (newly resolved codes), history.jsonl (with the new batch), dataset.json (the commit point), then
 * raw/<table>/ swapped for its staging folder. Before the commit point nothing a reader relies on has changed meaning:
 * recorded codes only name what the table has, and reconcile() drops the new batch while dataset.json is the old one.
 */
export async function commitUpdate(commit: {
  dataDir: string;
  /** The whole history as it should be, the new batch last. */
  history: HistoryEntry[];
  datasetText: string;
  /** The definition's new text, when this fetch resolved codes. */
  definitionText: string | null;
  raw: { table: string; files: { name: string; text: string }[] }[];
  /** For tests that inject faults between writes. @default writeFileAtomic */
  writeFile?: (path: string, data: FileData) => Promise<void>;
}): Promise<void> {
  const { dataDir, raw } = commit;
  const rawDir = join(dataDir, 'raw');
  const staging = (table: string) => join(rawDir, `.${table}.staging`);
  const writeFile = commit.writeFile ?? writeFileAtomic;
  await removeOrphanTemps(dataDir);
  // Staging folders a killed update left belong to no dataset.
  for (const entry of await readdir(rawDir).catch(() => [] as string[])) {
    if (/^\..+\.(staging|old)$/.test(entry)) await rm(join(rawDir, entry), { recursive: true, force: true }).catch(() => undefined);
  }
  /** The file or folder being written, for the error. */
  let writing = '';
  const write = async (path: string, data: string) => {
    writing = path;
    await writeFile(path, data);
  };
  try {
    for (const { table, files } of raw) {
      writing = staging(table);
      await mkdir(writing, { recursive: true });
      for (const file of files) await writeFile(join(writing, file.name), file.text);
    }
    if (commit.definitionText !== null) await write(join(dataDir, definitionFile), commit.definitionText);
    await write(join(dataDir, historyFile), serializeHistory(commit.history));
    await write(join(dataDir, datasetFile), commit.datasetText);
  } catch (error) {
    // Before the commit point what this update staged belongs to no dataset: removed, so a full disk gets its room back.
    for (const { table } of raw) await rm(staging(table), { recursive: true, force: true }).catch(() => undefined);
    if (error instanceof BriefingError) throw error;
    throw new OutputError(
      `${writing}: cannot write (${errorCode(error)}). The dataset was left as it was (the last good one stays in use). Check that the data ` +
        'folder is writable and has free space, then run again.',
      { path: writing, cause: error },
    );
  }
  for (const { table } of raw) {
    const target = join(rawDir, table);
    const old = join(rawDir, `.${table}.old`);
    try {
      await rm(old, { recursive: true, force: true });
      await rename(target, old).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      await rename(staging(table), target);
      await rm(old, { recursive: true, force: true });
    } catch (error) {
      throw new OutputError(
        `${target}: dataset.json was updated, but the raw responses could not be put in place (${errorCode(error)}); ${target} may hold ` +
          "the previous fetch's responses or none. The figures are fine; fetch again with --force to replace the raw responses.",
        { path: target, cause: error },
      );
    }
  }
}
