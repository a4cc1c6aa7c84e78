import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { DatasetError } from '../errors.js';
import { errorCode } from '../io/atomic.js';
import { historyEntrySchema, type HistoryEntry } from './schemas.js';

/**
 * data/<briefing>/history.jsonl: what each fetch changed, one JSON line each, batch by batch; `previous` and `batch` are
 * sha16 of dataset.json before and after. The history is replaced before the dataset, so after a crash between the two
 * the last batch's `previous` still equals the dataset on disk, and `reconcile` drops exactly that batch.
 */

export const historyFile = 'history.jsonl';
export type { HistoryEntry };
const historyLine = v.pipe(v.string(), v.parseJson(), historyEntrySchema);

export function sha16(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}

/** All history lines, oldest first; [] when there is no history yet. A malformed line is a DatasetError. */
export async function readHistory(dataDir: string): Promise<HistoryEntry[]> {
  const path = join(dataDir, historyFile);
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw new DatasetError(`${path}: cannot read the history (${errorCode(error)}).`, { path, cause: error });
  });
  return text.split('\n').flatMap((line, index) => {
    if (line.trim() === '') return [];
    const parsed = v.safeParse(historyLine, line);
    if (parsed.success) return [parsed.output];
    throw new DatasetError(`${path}: line ${index + 1} is not a history entry. Restore the file from git or remove that line.`, { path, row: index + 1 });
  });
}

export function serializeHistory(entries: readonly HistoryEntry[]): string {
  return entries.map((e) => `${JSON.stringify(e)}\n`).join('');
}

/** Consecutive lines of one table with the same `batch` id (one update writes one batch per table), oldest first. */
export function batchesOf(history: readonly HistoryEntry[]): HistoryEntry[][] {
  const batches: HistoryEntry[][] = [];
  for (const entry of history) {
    const last = batches.at(-1);
    if (last && last[0]!.batch === entry.batch && last[0]!.table === entry.table && last.at(-1)!.kind !== 'table') last.push(entry);
    else batches.push([entry]);
  }
  return batches;
}

/** Drop trailing batches written while their dataset never was: `batch` differs from the dataset's hash and `previous` equals it. */
export function reconcile(history: HistoryEntry[], current: string): { kept: HistoryEntry[]; dropped: number } {
  const batches = batchesOf(history);
  let dropped = 0;
  for (let last = batches.at(-1); last && last[0]!.batch !== current && last[0]!.previous === current; last = batches.at(-1)) {
    batches.pop();
    dropped++;
  }
  return { kept: dropped > 0 ? batches.flat() : history, dropped };
}

/** Identities of `table` whose last history line says withdrawn. */
export function withdrawnKeys(history: readonly HistoryEntry[], table: string): Set<string> {
  const last = new Map<string, string>();
  for (const e of history) if (e.table === table && e.kind !== 'table') last.set(e.key, e.kind);
  return new Set([...last].filter(([, kind]) => kind === 'withdrawn').map(([key]) => key));
}

/** The changes of each table's latest batch ("Endringar ved siste oppdatering"); `first` when it is the table's first fetch. */
export function lastChanges(history: readonly HistoryEntry[]): { table: string; updated: string | null; first: boolean; entries: HistoryEntry[] }[] {
  const batches = batchesOf(history);
  return [...new Map(batches.map((batch) => [batch[0]!.table, batch]))].map(([table, entries]) => ({
    table,
    updated: entries.at(-1)!.updated,
    first: batches.filter((batch) => batch[0]!.table === table).length === 1,
    entries: entries.filter((e) => e.kind !== 'table'),
  }));
}
