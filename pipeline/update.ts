import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { removeOrphanTemps, writeFileAtomic } from './atomic.js';
import {
  checkObservation,
  observationKey,
  observationSchema,
  parseDatasetText,
  readDatasetText,
  serializeDataset,
  statusSymbols,
  type Dataset,
  type Observation,
  type TableState,
} from './dataset.js';
import { BriefingError, DatasetError, OutputError } from './errors.js';

/**
 * Merge one freshly fetched StatBank table into data/dataset.json, append-only:
 *
 *   load dataset ─> reconcile history ─> diff (pure) ─> nothing changed? return, write nothing
 *                                                    └> write raw/<table>/* ─> history.jsonl ─> dataset.json
 *
 * The caller holds the data folder's lock (withLock from lock.ts); this function does not take it.
 *
 * History and dataset are two files, so a crash can land between them. Every batch of history lines carries
 * `previous` and `batch`: the first 16 hex digits of sha256 of dataset.json before and after the update. The
 * history is rewritten whole before the dataset is renamed into place; a batch is committed iff dataset.json
 * (then or since) had its `batch` hash. After a crash between the two renames, the last batch's `previous`
 * still equals the dataset on disk: reconcileHistory drops exactly that batch at the start of the next update.
 */

export interface UpdateOptions {
  dataDir: string;
  table: { id: string; series: 'SN2007' | 'SN2025'; label: string; updated: string | null; notes?: string[] };
  /** The fetched figures, all with `table` = table.id; their `revision` is ignored and assigned here. */
  observations: Observation[];
  /** The responses the figures came from; they replace `<dataDir>/raw/<table>/` whole. Plain file names. */
  raw: { name: string; text: string }[];
  now: Date;
  /**
   * Whether `observations` is the whole table. Only then does a missing figure count as withdrawn by SSB; pass
   * false for a partial fetch (say, the last three years) so older figures are not reported withdrawn.
   * @default true
   */
  complete?: boolean;
  /** For tests that inject faults or crashes between writes. @default { writeFile: writeFileAtomic } */
  effects?: { writeFile?: (path: string, data: string) => Promise<void> };
}

export interface UpdateResult {
  changed: boolean;
  /** New figures, and figures SSB had withdrawn and published again. */
  added: Observation[];
  revised: { before: Observation; after: Observation }[];
  withdrawn: Observation[];
  datasetPath: string;
  historyPath: string;
}

const hex16 = z.string().regex(/^[0-9a-f]{16}$/);
const valueStatus = z.object({ value: z.number().nullable(), status: z.enum(statusSymbols).nullable() }).strict();
const lineBase = { at: z.string(), table: z.string(), updated: z.string().nullable(), batch: hex16, previous: hex16 };
/** One line of history.jsonl. Each batch is its change lines followed by one `table` line that closes it. */
export const historyEntrySchema = z.union([
  z.object({ ...lineBase, kind: z.enum(['added', 'revised', 'withdrawn']), key: z.string(), before: valueStatus.optional(), after: valueStatus.optional() }).strict(),
  z.object({ ...lineBase, kind: z.literal('table'), previousUpdated: z.string().nullable(), counts: z.object({ added: z.number(), revised: z.number(), withdrawn: z.number() }).strict() }).strict(),
]);
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export async function updateDataset(options: UpdateOptions): Promise<UpdateResult> {
  const { dataDir, table, now } = options;
  const writeFile = options.effects?.writeFile ?? writeFileAtomic;
  const datasetPath = join(dataDir, 'dataset.json');
  const historyPath = join(dataDir, 'history.jsonl');
  const oldText = await readDatasetText(datasetPath);
  const dataset = parseDatasetText(oldText, datasetPath);
  const fresh = checkFetched(options);
  checkRawNames(options.raw, join(dataDir, 'raw', table.id));

  await guardWrite(historyPath, () => reconcileHistory(dataDir));
  await removeOrphanTemps(dataDir);
  const history = await readHistory(dataDir);
  const diff = diffTable(dataset, table.id, fresh, withdrawnKeys(history, table.id), options.complete ?? true);
  const before = dataset.tables[table.id];
  const state: TableState = { id: table.id, series: table.series, label: table.label, updated: table.updated, fetchedAt: now.toISOString(), notes: table.notes ?? [] };
  const tableChanged = !before || before.updated !== state.updated || before.label !== state.label || before.series !== state.series ||
    JSON.stringify(before.notes) !== JSON.stringify(state.notes);
  const result = { added: diff.added, revised: diff.revised, withdrawn: diff.withdrawn, datasetPath, historyPath };
  if (!tableChanged && diff.lines.length === 0) return { changed: false, ...result };

  const next: Dataset = { ...dataset, tables: { ...dataset.tables, [table.id]: state }, observations: [...dataset.observations, ...diff.rows] };
  // Every row of `next` was checked already (the old ones on load, the fetched ones by checkFetched).
  const text = serializeDataset(next);
  const stamp = { at: now.toISOString(), table: table.id, updated: table.updated, batch: sha16(text), previous: sha16(oldText) };
  const closing: HistoryEntry = { ...stamp, kind: 'table', previousUpdated: before?.updated ?? null,
    counts: { added: diff.added.length, revised: diff.revised.length, withdrawn: diff.withdrawn.length } };
  const lines = [...diff.lines.map((line) => ({ ...stamp, ...line })), closing].map((entry) => JSON.stringify(entry) + '\n');
  const oldHistory = await readFile(historyPath, 'utf8').catch(() => null);

  await guardWrite(join(dataDir, 'raw', table.id), () => replaceRaw(join(dataDir, 'raw', table.id), options.raw, writeFile));
  await guardWrite(historyPath, () => writeFile(historyPath, (oldHistory ?? '') + lines.join('')));
  try {
    await guardWrite(datasetPath, () => writeFile(datasetPath, text));
  } catch (error) {
    // Best effort: take the batch back out now rather than leave it to the next reconcileHistory.
    await (oldHistory === null ? rm(historyPath, { force: true }) : writeFile(historyPath, oldHistory)).catch(() => undefined);
    throw error;
  }
  return { changed: true, ...result };
}

type ChangeLine = Omit<Extract<HistoryEntry, { key: string }>, keyof typeof lineBase>;

/**
 * The pure core: what changed between the dataset's current figures and a fetch of table `id`.
 * - a key with no row yet: added, revision 0;
 * - a key whose current row came from elsewhere (an article figure, table null): superseded by the fetched
 *   figure as revision max+1, recorded as revised even when the value is the same (the table is now the source);
 * - a key whose current row is this table's, with another value or status: revised, a new row at max+1;
 * - a key of this table missing from a complete fetch: withdrawn. The row is kept (the dataset schema has no
 *   field to mark it, and the last published figure is still the best we have); history records the withdrawal,
 *   so it is reported once. If SSB publishes the figure again, history records it as added again.
 */
function diffTable(dataset: Dataset, id: string, fresh: Observation[], withdrawnBefore: Set<string>, complete: boolean) {
  // The current (highest-revision) row of each key, keyed once.
  const current = new Map<string, Observation>();
  for (const o of dataset.observations) {
    const key = observationKey(o);
    const seen = current.get(key);
    if (!seen || o.revision > seen.revision) current.set(key, o);
  }
  const added: Observation[] = [];
  const revised: { before: Observation; after: Observation }[] = [];
  const withdrawn: Observation[] = [];
  const rows: Observation[] = [];
  const lines: ChangeLine[] = [];
  const fetched = complete ? new Set<string>() : null;
  for (const o of fresh) {
    const key = observationKey(o);
    fetched?.add(key);
    const cur = current.get(key);
    const after = { value: o.value, status: o.status };
    if (!cur) {
      const row = { ...o, revision: 0 };
      rows.push(row);
      added.push(row);
      lines.push({ kind: 'added', key, after });
    } else if (cur.table !== id || cur.value !== o.value || cur.status !== o.status) {
      const row = { ...o, revision: cur.revision + 1 }; // the current row has the highest revision of its key
      rows.push(row);
      revised.push({ before: cur, after: row });
      lines.push({ kind: 'revised', key, before: { value: cur.value, status: cur.status }, after });
    } else if (withdrawnBefore.has(key)) {
      added.push(cur);
      lines.push({ kind: 'added', key, after });
    }
  }
  if (fetched) {
    for (const [key, cur] of current) {
      if (cur.table !== id || fetched.has(key) || withdrawnBefore.has(key)) continue;
      withdrawn.push(cur);
      lines.push({ kind: 'withdrawn', key, before: { value: cur.value, status: cur.status } });
    }
  }
  return { added, revised, withdrawn, rows, lines };
}

/** Keys of table `id` whose last history line says withdrawn. */
function withdrawnKeys(history: HistoryEntry[], id: string): Set<string> {
  const last = new Map<string, string>();
  for (const e of history) if (e.table === id && e.kind !== 'table') last.set(e.key, e.kind);
  return new Set([...last].filter(([, kind]) => kind === 'withdrawn').map(([key]) => key));
}

/** The fetch stage's output must be valid rows of this table and series, one per key. */
function checkFetched({ table, observations }: UpdateOptions): Observation[] {
  const seen = new Set<string>();
  return observations.map((o, index) => {
    const where = `fetched table ${table.id}, observation ${index + 1}`;
    const row = { ...o, revision: 0 };
    // The fast check decides; zod, which agrees with it (test/dataset.test.ts), words the problem.
    const invalid = checkObservation(row) !== null ? observationSchema.safeParse(row) : null;
    const key = observationKey(o);
    const problem = invalid && !invalid.success
      ? `${invalid.error.issues[0]!.path.join('.')}: ${invalid.error.issues[0]!.message}`
      : invalid ? `${checkObservation(row)!.field}: ${checkObservation(row)!.message}`
      : o.table !== table.id ? `table is ${o.table}, expected ${table.id}`
      : o.series !== table.series ? `series is ${o.series}, but table ${table.id} is ${table.series}`
      : seen.has(key) ? `a second figure for ${key}` : null;
    if (problem) {
      throw new DatasetError(`${where}: ${problem}. The fetched table is malformed; dataset left unchanged.`, { table: table.id, row: index + 1 });
    }
    seen.add(key);
    return row;
  });
}

function checkRawNames(raw: UpdateOptions['raw'], dir: string): void {
  const names = new Set<string>();
  for (const { name } of raw) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || names.has(name)) {
      throw new OutputError(`${dir}: raw response name "${name}" is not a unique plain file name; dataset left unchanged.`, { path: dir });
    }
    names.add(name);
  }
}

/** Write this fetch's responses, then remove what the last fetch (or a killed writer's temp file) left. */
async function replaceRaw(dir: string, raw: UpdateOptions['raw'], writeFile: (path: string, data: string) => Promise<void>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const { name, text } of raw) await writeFile(join(dir, name), text);
  const keep = new Set(raw.map((r) => r.name));
  for (const entry of await readdir(dir)) if (!keep.has(entry)) await rm(join(dir, entry), { recursive: true, force: true });
}

/** Turn a file-system failure into an OutputError that names the path and the state left. */
async function guardWrite<T>(path: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof BriefingError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new OutputError(
      `${path}: cannot write (${code}); dataset left unchanged. Check that the data folder is writable and has ` +
        'free space, then run the update again.',
      { path, cause: error },
    );
  }
}

function sha16(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** All history lines, oldest first; [] when there is no history yet. Malformed lines are a DatasetError. */
export async function readHistory(dataDir: string): Promise<HistoryEntry[]> {
  const path = join(dataDir, 'history.jsonl');
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw new DatasetError(`${path}: cannot read the history (${error.code ?? error}).`, { path, cause: error });
  });
  return text.split('\n').flatMap((line, index) => {
    if (line.trim() === '') return [];
    let parsed;
    try {
      parsed = historyEntrySchema.safeParse(JSON.parse(line));
    } catch (error) {
      parsed = { success: false as const, error };
    }
    if (!parsed.success) {
      throw new DatasetError(`${path}: line ${index + 1} is not a history entry. Restore the file from git or remove that line.`, { path, row: index + 1 });
    }
    return [parsed.data];
  });
}

/** Consecutive lines with the same `batch` id, oldest first. */
function batchesOf(history: HistoryEntry[]): HistoryEntry[][] {
  const batches: HistoryEntry[][] = [];
  for (const entry of history) {
    const last = batches.at(-1);
    if (last && last[0]!.batch === entry.batch) last.push(entry);
    else batches.push([entry]);
  }
  return batches;
}

/**
 * Drop trailing batches that were written but whose dataset never was (a crash between the two renames):
 * the batch's `batch` differs from dataset.json's hash while its `previous` equals it. Any other mismatch
 * (dataset.json edited by hand, restored from git) is left alone and reported by checkHistoryConsistency.
 * @returns the number of batches dropped
 */
export async function reconcileHistory(dataDir: string): Promise<number> {
  const datasetText = await readFile(join(dataDir, 'dataset.json'), 'utf8').catch(() => null);
  if (datasetText === null) return 0;
  const current = sha16(datasetText);
  const batches = batchesOf(await readHistory(dataDir));
  let dropped = 0;
  for (let last = batches.at(-1); last && last[0]!.batch !== current && last[0]!.previous === current; last = batches.at(-1)) {
    batches.pop();
    dropped++;
  }
  if (dropped > 0) await writeFileAtomic(join(dataDir, 'history.jsonl'), batches.flat().map((e) => JSON.stringify(e) + '\n').join(''));
  return dropped;
}

/** Problems with history.jsonl against dataset.json, as sentences; [] when consistent (or no history yet). */
export async function checkHistoryConsistency(dataDir: string): Promise<string[]> {
  const historyPath = join(dataDir, 'history.jsonl');
  let history: HistoryEntry[];
  try {
    history = await readHistory(dataDir);
  } catch (error) {
    return [(error as Error).message];
  }
  const problems: string[] = [];
  const batches = batchesOf(history);
  const ids = batches.map((b) => b[0]!.batch);
  if (new Set(ids).size !== ids.length) problems.push(`${historyPath}: a batch id appears in two places; lines were reordered or duplicated.`);
  batches.forEach((b) => {
    if (b.at(-1)!.kind !== 'table' || b.slice(0, -1).some((e) => e.kind === 'table' || e.previous !== b[0]!.previous)) {
      problems.push(`${historyPath}: batch ${b[0]!.batch} is not closed by exactly one "table" line.`);
    }
  });
  const last = batches.at(-1);
  if (!last) return problems;
  const datasetText = await readFile(join(dataDir, 'dataset.json'), 'utf8').catch(() => null);
  const current = datasetText === null ? null : sha16(datasetText);
  if (current !== last[0]!.batch) {
    problems.push(
      last[0]!.previous === current
        ? `${historyPath}: the last batch (${last[0]!.batch}) was written but dataset.json was not (an interrupted update); the next update drops it.`
        : `${historyPath}: the last batch (${last[0]!.batch}) does not describe dataset.json (${current ?? 'missing'}); it was changed outside updateDataset.`,
    );
  }
  return problems;
}
