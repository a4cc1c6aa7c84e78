import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { s, type Infer } from './store/schema.js';
import { removeOrphanTemps, writeFileAtomic, type FileData } from './io/atomic.js';
import {
  checkObservation,
  compareObservations,
  datasetHead,
  datasetTail,
  observationKey,
  observationSchema,
  readDatasetHashed,
  rowWriter,
  sourceChecker,
  statusSymbols,
  type Observation,
  type TableState,
} from './store/dataset.js';
import { indexDataset, type DatasetIndex } from './store/dataset-index.js';
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
  effects?: { writeFile?: (path: string, data: FileData) => Promise<void> };
}

export interface UpdateResult {
  changed: boolean;
  /** New figures, and figures SSB had withdrawn and published again. */
  added: Observation[];
  revised: { before: Observation; after: Observation }[];
  withdrawn: Observation[];
  /** The lengths of the three lists (which are built when first read: a merge of a million rows needs only these). */
  counts: { added: number; revised: number; withdrawn: number };
  datasetPath: string;
  historyPath: string;
}

const hex16 = s.string().regex(/^[0-9a-f]{16}$/);
const valueStatus = s.object({ value: s.number().nullable(), status: s.oneOf(statusSymbols).nullable() }).strict();
const lineBase = { at: s.string(), table: s.string(), updated: s.string().nullable(), batch: hex16, previous: hex16 };
/** One line of history.jsonl. Each batch is its change lines followed by one `table` line that closes it. */
export const historyEntrySchema = s.union([
  s.object({ ...lineBase, kind: s.oneOf(['added', 'revised', 'withdrawn']), key: s.string(), before: valueStatus.optional(), after: valueStatus.optional() }).strict(),
  s.object({ ...lineBase, kind: s.literal('table'), previousUpdated: s.string().nullable(), counts: s.object({ added: s.number(), revised: s.number(), withdrawn: s.number() }).strict() }).strict(),
]);
export type HistoryEntry = Infer<typeof historyEntrySchema>;

export async function updateDataset(options: UpdateOptions): Promise<UpdateResult> {
  const { dataDir, table, now } = options;
  const writeFile = options.effects?.writeFile ?? writeFileAtomic;
  const datasetPath = join(dataDir, 'dataset.json');
  const historyPath = join(dataDir, 'history.jsonl');
  const { bytes, sha256 } = await readDatasetHashed(datasetPath, createHash('sha256'));
  const previous = sha256!.slice(0, 16);
  const index = indexDataset(bytes, datasetPath);
  checkFetched(options);
  checkRawNames(options.raw, join(dataDir, 'raw', table.id));

  await removeOrphanTemps(dataDir);
  const { kept, dropped } = reconcile(await readHistory(dataDir), previous);
  const oldHistory = kept.map((entry) => JSON.stringify(entry) + '\n').join('');
  if (dropped > 0) await guardWrite(historyPath, () => writeFile(historyPath, oldHistory));
  const fresh = options.observations;
  const diff = diffTable(index, table, fresh, withdrawnKeys(kept, table.id), options.complete ?? true);
  const before = index.header.tables[table.id];
  const state: TableState = { id: table.id, series: table.series, label: table.label, updated: table.updated, fetchedAt: now.toISOString(), notes: table.notes ?? [] };
  const tableChanged = !before || before.updated !== state.updated || before.label !== state.label || before.series !== state.series ||
    JSON.stringify(before.notes) !== JSON.stringify(state.notes);
  const changed = tableChanged || diff.changes.length > 0;
  const result = resultOf(changed, index, fresh, diff, datasetPath, historyPath);
  if (!changed) return result;

  // The old rows go back as the bytes they were; this update's rows follow them. Every row was checked
  // already (the old ones by indexDataset, the fetched ones by checkFetched).
  const pieces = appendRows(index, { ...index.header.tables, [table.id]: state }, fresh, diff.changes);
  const stamp = { at: now.toISOString(), table: table.id, updated: table.updated, batch: sha16(pieces), previous };
  const closing: HistoryEntry = { ...stamp, kind: 'table', previousUpdated: before?.updated ?? null, counts: result.counts };
  const lines = historyLines(stamp, closing, diff, fresh, index);
  const hadHistory = kept.length > 0 || (await stat(historyPath).then(() => true, () => false));

  await guardWrite(join(dataDir, 'raw', table.id), () => replaceRaw(join(dataDir, 'raw', table.id), options.raw, writeFile));
  await guardWrite(historyPath, () => writeFile(historyPath, [Buffer.from(oldHistory), lines]));
  try {
    await guardWrite(datasetPath, () => writeFile(datasetPath, pieces));
  } catch (error) {
    // Best effort: take the batch back out now rather than leave it to the next reconcile.
    await (hadHistory ? writeFile(historyPath, oldHistory) : rm(historyPath, { force: true })).catch(() => undefined);
    throw error;
  }
  return result;
}

/**
 * The new file as pieces: the header with `tables` and any new source, the old rows' bytes as they were, then
 * `rows` sorted. (serializeDataset sorts all rows; an update appends, so it rewrites no row and git shows
 * only what it added.)
 */
function appendRows(index: DatasetIndex, tables: Record<string, TableState>, fresh: Observation[], changes: number[]): Uint8Array[] {
  const sources = [...index.header.sources];
  const write = rowWriter(sources);
  const writes: number[] = [];
  for (let c = 0; c < changes.length; c += 3) if (writesRow(changes, c)) writes.push(c);
  writes.sort((a, b) => compareObservations(fresh[changes[a + 1]!]!, fresh[changes[b + 1]!]!));
  const added = new ByteWriter();
  writes.forEach((c, n) => added.write((n > 0 || index.rows > 0 ? ',\n' : '') + write(fresh[changes[c + 1]!]!, revisionOfRow(index, changes, c))));
  added.write(datasetTail);
  // The head last: writing the rows may have added sources.
  return [Buffer.from(datasetHead({ ...index.header, tables }, sources)), index.bytes.subarray(index.rowsStart, index.rowsEnd), added.bytes()];
}

/**
 * The core: what changed between the dataset's current figures and a fetch of table `table.id`.
 * - a key with no row yet: added, revision 0;
 * - a key whose current row came from elsewhere (an article figure, table null): superseded by the fetched
 *   figure as revision max+1, recorded as revised even when the value is the same (the table is now the source);
 * - a key whose current row is this table's, with another value or status: revised, a new row at max+1;
 * - a key of this table missing from a complete fetch: withdrawn. The row is kept (the dataset schema has no
 *   field to mark it, and the last published figure is still the best we have); history records the withdrawal,
 *   so it is reported once. If SSB publishes the figure again, history records it as added again.
 * A second fetched figure for a key is a DatasetError (the fetched table is malformed).
 * Figures are referred to by position (in `fresh`, or a row of the index), and each change is written as the
 * text of its history line at once: a merge of a million figures allocates little beyond its output.
 */
function diffTable(index: DatasetIndex, table: UpdateOptions['table'], fresh: Observation[], withdrawnBefore: Set<string>, complete: boolean) {
  const id = table.id;
  /** What history records, in order: [kind, position in `fresh` (-1: none), row of the index (-1: a new key)] per change. */
  const changes: number[] = [];
  const counts = { added: 0, revised: 0, withdrawn: 0 };
  const fetched = new Uint8Array(index.rows);
  const newKeys = new Set<string>();
  for (let i = 0; i < fresh.length; i++) {
    const o = fresh[i]!;
    const cur = index.lookup(o);
    if (cur < 0 || fetched[cur] === 1) {
      const key = observationKey(o);
      if (cur >= 0 || newKeys.has(key)) {
        throw new DatasetError(`fetched table ${id}, observation ${i + 1}: a second figure for ${key}. The fetched table is malformed; dataset left unchanged.`,
          { table: id, row: i + 1 });
      }
      newKeys.add(key);
      changes.push(Change.added, i, -1);
      counts.added++;
      continue;
    }
    fetched[cur] = 1;
    if (!index.same(cur, o)) {
      if (index.revision(cur) >= Number.MAX_SAFE_INTEGER) {
        throw new DatasetError(`${index.file}: ${observationKey(o)} has revision ${index.revision(cur)}, the highest a revision can be; ` +
          'dataset left unchanged. Renumber its revisions from 0.', { path: index.file });
      }
      changes.push(Change.revised, i, cur);
      counts.revised++;
    } else if (withdrawnBefore.size > 0 && withdrawnBefore.has(observationKey(o))) {
      changes.push(Change.added, i, cur);
      counts.added++;
    }
  }
  if (complete) {
    const unfetched: number[] = [];
    for (const cur of index.currentRows()) if (fetched[cur] === 0 && index.table(cur) === id) unfetched.push(cur);
    for (const cur of unfetched.sort((a, b) => a - b)) { // in file order
      const o = index.observation(cur);
      const key = observationKey(o);
      if (withdrawnBefore.has(key)) continue;
      changes.push(Change.withdrawn, -1, cur);
      counts.withdrawn++;
    }
  }
  return { changes, counts };
}

/** Whether change `c` writes a row: a new key, or a revision (a figure published again keeps its row). */
function writesRow(changes: number[], c: number): boolean {
  return changes[c] === Change.revised || (changes[c] === Change.added && changes[c + 2]! < 0);
}

/** The revision of the row change `c` writes: 0 for a new key, else one above the current row's (the highest of its key). */
function revisionOfRow(index: DatasetIndex, changes: number[], c: number): number {
  const row = changes[c + 2]!;
  return row < 0 ? 0 : index.revision(row) + 1;
}

/**
 * history.jsonl's lines for this batch: each change as {...stamp, kind, key, before?, after?} in JSON, then the
 * closing `table` line. Written straight into bytes: 100,000s of lines kept as strings cost more in garbage
 * collection than in writing.
 */
function historyLines(stamp: object, closing: HistoryEntry, diff: ReturnType<typeof diffTable>, fresh: Observation[], index: DatasetIndex): Buffer {
  const out = new ByteWriter();
  const head = JSON.stringify(stamp).slice(0, -1) + ',"kind":';
  const { changes } = diff;
  for (let c = 0; c < changes.length; c += 3) {
    const kind = changes[c]!, i = changes[c + 1]!, row = changes[c + 2]!;
    const o = i >= 0 ? fresh[i]! : index.observation(row);
    const key = JSON.stringify(observationKey(o));
    const after = `"after":${valueStatusText(o.value, o.status)}}\n`;
    out.write(
      kind === Change.added ? `${head}"added","key":${key},${after}`
      : kind === Change.revised ? `${head}"revised","key":${key},"before":${valueStatusText(index.value(row), index.status(row))},${after}`
      : `${head}"withdrawn","key":${key},"before":${valueStatusText(o.value, o.status)}}\n`,
    );
  }
  out.write(JSON.stringify(closing) + '\n');
  return out.bytes();
}

const Change = { added: 0, revised: 1, withdrawn: 2 } as const;

/** Text appended to a growing buffer, UTF-8. */
class ByteWriter {
  private buffer = Buffer.allocUnsafe(1 << 16);
  private length = 0;
  write(text: string): void {
    const room = this.length + text.length * 3;
    if (room > this.buffer.length) {
      const next = Buffer.allocUnsafe(Math.max(room, this.buffer.length * 2));
      this.buffer.copy(next, 0, 0, this.length);
      this.buffer = next;
    }
    this.length += this.buffer.write(text, this.length);
  }
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/**
 * `{"value":…,"status":…}` as JSON.stringify writes it: a finite number prints the same by String(), and a
 * status is one of SSB's symbols, which need no escaping.
 */
function valueStatusText(value: number | null, status: string | null): string {
  return `{"value":${value === null ? 'null' : String(value)},"status":${status === null ? 'null' : `"${status}"`}}`;
}

/** The result, its lists built from positions when first read. */
function resultOf(changed: boolean, index: DatasetIndex, fresh: Observation[], diff: ReturnType<typeof diffTable>, datasetPath: string, historyPath: string): UpdateResult {
  /** The changes of one kind as list entries, in the order history records them; built when first asked for. */
  const list = <T>(kind: number, entry: (i: number, row: number, c: number) => T) => {
    let built: T[] | undefined;
    return () => {
      if (built) return built;
      built = [];
      for (let c = 0; c < diff.changes.length; c += 3) if (diff.changes[c] === kind) built.push(entry(diff.changes[c + 1]!, diff.changes[c + 2]!, c));
      return built;
    };
  };
  const fetchedRow = (i: number, c: number): Observation => ({ ...fresh[i]!, revision: revisionOfRow(index, diff.changes, c) });
  const added = list(Change.added, (i, row, c) => (row >= 0 ? index.observation(row) : fetchedRow(i, c)));
  const revised = list(Change.revised, (i, row, c) => ({ before: index.observation(row), after: fetchedRow(i, c) }));
  const withdrawn = list(Change.withdrawn, (_, row) => index.observation(row));
  return {
    changed, datasetPath, historyPath, counts: diff.counts,
    get added() { return added(); },
    get revised() { return revised(); },
    get withdrawn() { return withdrawn(); },
  };
}

/** Keys of table `id` whose last history line says withdrawn. */
function withdrawnKeys(history: HistoryEntry[], id: string): Set<string> {
  const last = new Map<string, string>();
  for (const e of history) if (e.table === id && e.kind !== 'table') last.set(e.key, e.kind);
  return new Set([...last].filter(([, kind]) => kind === 'withdrawn').map(([key]) => key));
}

/** The fetch stage's output must be valid rows of this table and series (one per key: diffTable checks that). */
function checkFetched({ table, observations }: UpdateOptions): void {
  const isUrl = sourceChecker();
  const seen = {};
  for (let index = 0; index < observations.length; index++) {
    const o = observations[index]!;
    const row = o.revision === 0 ? o : { ...o, revision: 0 };
    // The fast check decides; the schema, which agrees with it (test/dataset.test.ts), words the problem.
    const fast = checkObservation(row, isUrl, seen);
    const invalid = fast !== null ? observationSchema.safeParse(row) : null;
    const problem = invalid && !invalid.success
      ? `${invalid.error.issues[0]!.path.join('.')}: ${invalid.error.issues[0]!.message}`
      : fast ? `${fast.field}: ${fast.message}`
      : o.table !== table.id ? `table is ${o.table}, expected ${table.id}`
      : o.series !== table.series ? `series is ${o.series}, but table ${table.id} is ${table.series}`
      : null;
    if (problem) {
      throw new DatasetError(`fetched table ${table.id}, observation ${index + 1}: ${problem}. The fetched table is malformed; dataset left unchanged.`,
        { table: table.id, row: index + 1 });
    }
  }
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

/** First 16 hex digits of the sha256 of the bytes (pieces in order). */
function sha16(pieces: readonly Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const piece of pieces) hash.update(piece);
  return hash.digest('hex').slice(0, 16);
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
 */
function reconcile(history: HistoryEntry[], current: string): { kept: HistoryEntry[]; dropped: number } {
  const batches = batchesOf(history);
  let dropped = 0;
  for (let last = batches.at(-1); last && last[0]!.batch !== current && last[0]!.previous === current; last = batches.at(-1)) {
    batches.pop();
    dropped++;
  }
  return { kept: dropped > 0 ? batches.flat() : history, dropped };
}

/** reconcile() on the files in `dataDir`, rewriting history.jsonl if a batch is dropped. @returns the number dropped */
export async function reconcileHistory(dataDir: string): Promise<number> {
  const datasetBytes = await readFile(join(dataDir, 'dataset.json')).catch(() => null);
  if (datasetBytes === null) return 0;
  const { kept, dropped } = reconcile(await readHistory(dataDir), sha16([datasetBytes]));
  if (dropped > 0) await writeFileAtomic(join(dataDir, 'history.jsonl'), kept.map((e) => JSON.stringify(e) + '\n').join(''));
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
  const datasetBytes = await readFile(join(dataDir, 'dataset.json')).catch(() => null);
  const current = datasetBytes === null ? null : sha16([datasetBytes]);
  if (current !== last[0]!.batch) {
    problems.push(
      last[0]!.previous === current
        ? `${historyPath}: the last batch (${last[0]!.batch}) was written but dataset.json was not (an interrupted update); the next update drops it.`
        : `${historyPath}: the last batch (${last[0]!.batch}) does not describe dataset.json (${current ?? 'missing'}); it was changed outside updateDataset.`,
    );
  }
  return problems;
}
